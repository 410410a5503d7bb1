//! Output modalities and per-modality instance counts.

use crate::parse::taxonomy_value;

/// The modality of the output under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Modality {
    /// Text output (the default).
    #[default]
    Text,
    /// Generated images.
    Image,
    /// Generated video.
    Video,
    /// Generated speech or other audio.
    Audio,
}

impl Modality {
    /// All four modalities in the paper's order (Table 3).
    pub const ALL: [Modality; 4] = [Self::Text, Self::Image, Self::Video, Self::Audio];

    /// Stable id: `text`, `image`, `video` or `audio`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
        }
    }

    /// English name, capitalised as in the paper.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Image => "Image",
            Self::Video => "Video",
            Self::Audio => "Audio",
        }
    }

    /// Korean name.
    pub fn name_ko(self) -> &'static str {
        match self {
            Self::Text => "텍스트",
            Self::Image => "이미지",
            Self::Video => "비디오",
            Self::Audio => "오디오",
        }
    }

    /// The paper's total number of instances of this modality (Table 3).
    pub fn paper_count(self) -> u32 {
        crate::PAPER_MODALITY_TOTALS.get(self)
    }

    fn spellings(self) -> impl Iterator<Item = &'static str> {
        let extra: &'static [&'static str] = match self {
            Self::Video => &["영상", "동영상"],
            Self::Audio => &["음성", "speech"],
            Self::Text => &[],
            Self::Image => &["그림"],
        };
        [self.id(), self.name_ko()]
            .into_iter()
            .chain(extra.iter().copied())
    }
}

taxonomy_value!(Modality, "modality");

/// Instance counts per modality, as in one row of the paper's Table 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct ModalityCounts {
    /// Text instances.
    pub text: u32,
    /// Image instances.
    pub image: u32,
    /// Video instances.
    pub video: u32,
    /// Audio instances.
    pub audio: u32,
}

impl ModalityCounts {
    /// Counts from the four modality columns.
    pub const fn new(text: u32, image: u32, video: u32, audio: u32) -> Self {
        Self {
            text,
            image,
            video,
            audio,
        }
    }

    /// The count for one modality.
    pub fn get(&self, m: Modality) -> u32 {
        match m {
            Modality::Text => self.text,
            Modality::Image => self.image,
            Modality::Video => self.video,
            Modality::Audio => self.audio,
        }
    }

    /// Sum over all modalities.
    pub fn total(&self) -> u32 {
        self.text + self.image + self.video + self.audio
    }
}
