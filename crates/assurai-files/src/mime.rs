//! The one MIME table: which media types the toolkit knows, their file
//! extensions, the other spellings servers send, and their magic bytes.
//!
//! Every crate that names a media type (dataset media references, the
//! providers' requests and responses, the runner's saved media, the HTML
//! report's embedded images) asks this table, so an extension, a MIME type
//! and a file's first bytes always agree.

use std::path::Path;

/// `image/png`.
pub const PNG: &str = "image/png";
/// `image/jpeg`.
pub const JPEG: &str = "image/jpeg";
/// `image/gif`.
pub const GIF: &str = "image/gif";
/// `image/webp`.
pub const WEBP: &str = "image/webp";
/// `image/bmp`.
pub const BMP: &str = "image/bmp";
/// `audio/wav`.
pub const WAV: &str = "audio/wav";
/// `audio/mpeg` (MP3).
pub const MP3: &str = "audio/mpeg";
/// `audio/ogg` (Ogg Vorbis or Opus).
pub const OGG: &str = "audio/ogg";
/// `audio/flac`.
pub const FLAC: &str = "audio/flac";
/// `audio/aac` (ADTS).
pub const AAC: &str = "audio/aac";
/// `audio/mp4` (M4A).
pub const M4A: &str = "audio/mp4";
/// `audio/webm`.
pub const AUDIO_WEBM: &str = "audio/webm";
/// `audio/pcm` (raw samples, as OpenAI's speech endpoint names them).
pub const PCM: &str = "audio/pcm";
/// `video/mp4`.
pub const MP4: &str = "video/mp4";
/// `video/webm`.
pub const WEBM: &str = "video/webm";
/// `video/quicktime` (MOV).
pub const MOV: &str = "video/quicktime";
/// `video/x-matroska` (MKV).
pub const MKV: &str = "video/x-matroska";
/// `video/x-msvideo` (AVI).
pub const AVI: &str = "video/x-msvideo";
/// `application/octet-stream`: bytes of no known type.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// One media type: its canonical MIME type, its extensions (the first is
/// the one files are written with) and the other spellings that mean it.
struct Entry {
    mime: &'static str,
    extensions: &'static [&'static str],
    aliases: &'static [&'static str],
}

/// The table. An extension belongs to the first entry that lists it
/// (`webm` is video unless the MIME type says audio).
const TABLE: &[Entry] = &[
    Entry {
        mime: PNG,
        extensions: &["png"],
        aliases: &["image/x-png"],
    },
    Entry {
        mime: JPEG,
        extensions: &["jpg", "jpeg", "jpe"],
        aliases: &["image/jpg", "image/pjpeg"],
    },
    Entry {
        mime: GIF,
        extensions: &["gif"],
        aliases: &[],
    },
    Entry {
        mime: WEBP,
        extensions: &["webp"],
        aliases: &[],
    },
    Entry {
        mime: BMP,
        extensions: &["bmp"],
        aliases: &["image/x-bmp", "image/x-ms-bmp"],
    },
    Entry {
        mime: WAV,
        extensions: &["wav"],
        aliases: &["audio/x-wav", "audio/wave", "audio/vnd.wave"],
    },
    Entry {
        mime: MP3,
        extensions: &["mp3"],
        aliases: &["audio/mp3", "audio/mpeg3", "audio/x-mpeg"],
    },
    Entry {
        mime: OGG,
        extensions: &["ogg", "opus", "oga"],
        aliases: &["audio/opus", "audio/vorbis", "application/ogg"],
    },
    Entry {
        mime: FLAC,
        extensions: &["flac"],
        aliases: &["audio/x-flac"],
    },
    Entry {
        mime: AAC,
        extensions: &["aac"],
        aliases: &["audio/x-aac", "audio/aacp"],
    },
    Entry {
        mime: M4A,
        extensions: &["m4a"],
        aliases: &["audio/m4a", "audio/x-m4a"],
    },
    Entry {
        mime: MP4,
        extensions: &["mp4", "m4v"],
        aliases: &["video/x-m4v"],
    },
    Entry {
        mime: WEBM,
        extensions: &["webm"],
        aliases: &[],
    },
    Entry {
        mime: AUDIO_WEBM,
        extensions: &["webm"],
        aliases: &[],
    },
    Entry {
        mime: MOV,
        extensions: &["mov", "qt"],
        aliases: &[],
    },
    Entry {
        mime: MKV,
        extensions: &["mkv"],
        aliases: &["video/matroska"],
    },
    Entry {
        mime: AVI,
        extensions: &["avi"],
        aliases: &["video/avi", "video/msvideo"],
    },
    Entry {
        mime: PCM,
        extensions: &["pcm"],
        aliases: &["audio/l16"],
    },
];

/// The top-level kind of a media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `image/*`.
    Image,
    /// `audio/*`.
    Audio,
    /// `video/*`.
    Video,
}

/// The kind of a MIME type from its top-level type (`image/…`, `audio/…`,
/// `video/…`), known to the table or not.
///
/// ```
/// use assurai_files::mime::{self, Kind};
/// assert_eq!(mime::kind("video/x-flv"), Some(Kind::Video));
/// assert_eq!(mime::kind("text/plain"), None);
/// ```
pub fn kind(mime: &str) -> Option<Kind> {
    let (top, _) = essence(mime).split_once('/')?;
    if top.eq_ignore_ascii_case("image") {
        Some(Kind::Image)
    } else if top.eq_ignore_ascii_case("audio") {
        Some(Kind::Audio)
    } else if top.eq_ignore_ascii_case("video") {
        Some(Kind::Video)
    } else {
        None
    }
}

/// The MIME type without parameters or surrounding spaces
/// (`audio/wav; codecs=1` → `audio/wav`).
fn essence(mime: &str) -> &str {
    mime.split(';').next().unwrap_or_default().trim()
}

fn entry(mime: &str) -> Option<&'static Entry> {
    let m = essence(mime);
    TABLE.iter().find(|e| {
        e.mime.eq_ignore_ascii_case(m) || e.aliases.iter().any(|a| a.eq_ignore_ascii_case(m))
    })
}

/// The canonical spelling of a known MIME type: aliases, case and
/// parameters are normalised; `None` for a type the table does not know.
///
/// ```
/// use assurai_files::mime;
/// assert_eq!(mime::canonical("Audio/X-WAV; codecs=1"), Some(mime::WAV));
/// assert_eq!(mime::canonical("text/plain"), None);
/// ```
pub fn canonical(mime: &str) -> Option<&'static str> {
    entry(mime).map(|e| e.mime)
}

/// The extension (without the dot) files of this MIME type are written
/// with; aliases and parameters are accepted.
///
/// ```
/// use assurai_files::mime;
/// assert_eq!(mime::extension("image/jpeg"), Some("jpg"));
/// assert_eq!(mime::extension("audio/opus"), Some("ogg"));
/// assert_eq!(mime::extension("application/x-unknown"), None);
/// ```
pub fn extension(mime: &str) -> Option<&'static str> {
    entry(mime).and_then(|e| e.extensions.first().copied())
}

/// The MIME type of a file extension (without the dot, any case).
///
/// ```
/// use assurai_files::mime;
/// assert_eq!(mime::from_extension("JPEG"), Some(mime::JPEG));
/// assert_eq!(mime::from_extension("opus"), Some(mime::OGG));
/// ```
pub fn from_extension(ext: &str) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|e| e.extensions.iter().any(|x| x.eq_ignore_ascii_case(ext)))
        .map(|e| e.mime)
}

/// The MIME type of a file from its extension; `None` without a known one.
///
/// ```
/// use assurai_files::mime;
/// assert_eq!(mime::from_path("media/cat.PNG"), Some(mime::PNG));
/// assert_eq!(mime::from_path("clips.v2/readme"), None);
/// ```
pub fn from_path(path: impl AsRef<Path>) -> Option<&'static str> {
    from_extension(path.as_ref().extension()?.to_str()?)
}

/// The MIME type of encoded media from its first bytes (magic numbers):
/// PNG, JPEG, GIF, WebP, BMP, WAV, MP3, Ogg, FLAC, AAC (ADTS), MP4/M4A/MOV,
/// WebM/MKV and AVI. `None` when nothing matches; a match says what the
/// file claims to be, not that it decodes.
///
/// ```
/// use assurai_files::mime;
/// assert_eq!(mime::sniff(b"\x89PNG\r\n\x1a\n...."), Some(mime::PNG));
/// assert_eq!(mime::sniff(b"RIFF\x24\0\0\0WAVEfmt "), Some(mime::WAV));
/// assert_eq!(mime::sniff(b"hello"), None);
/// ```
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\x89PNG\r\n\x1a\n") {
        Some(PNG)
    } else if at(0, &[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some(GIF)
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some(WEBP)
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        Some(WAV)
    } else if at(0, b"RIFF") && at(8, b"AVI ") {
        Some(AVI)
    } else if at(0, b"BM") && bytes.len() >= 14 && at(6, &[0, 0, 0, 0]) {
        // BITMAPFILEHEADER: "BM", file size, two reserved zero words.
        Some(BMP)
    } else if at(0, b"OggS") {
        Some(OGG)
    } else if at(0, b"fLaC") {
        Some(FLAC)
    } else if at(0, b"ID3") {
        Some(MP3)
    } else if at(4, b"ftyp") {
        Some(iso_brand(bytes.get(8..12).unwrap_or_default()))
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        // EBML: the DocType names WebM or Matroska within the header.
        let head = &bytes[..bytes.len().min(64)];
        if head.windows(4).any(|w| w == b"webm") {
            Some(WEBM)
        } else {
            Some(MKV)
        }
    } else if bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xF6 == 0xF0 {
        // ADTS sync word (12 bits), MPEG version any, layer 00.
        Some(AAC)
    } else if bytes.len() >= 2
        && bytes[0] == 0xFF
        && bytes[1] & 0xE0 == 0xE0
        && bytes[1] & 0x06 != 0
    {
        // MPEG audio frame sync (11 bits) with a non-zero layer.
        Some(MP3)
    } else {
        None
    }
}

/// The type of an ISO base media file from its major brand.
fn iso_brand(brand: &[u8]) -> &'static str {
    match brand {
        b"M4A " | b"M4B " => M4A,
        b"qt  " => MOV,
        _ => MP4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_type_and_alias_maps_back_to_its_entry() {
        for e in TABLE {
            assert_eq!(canonical(e.mime), Some(e.mime));
            for a in e.aliases {
                assert_eq!(canonical(a), Some(e.mime), "{a}");
                assert_eq!(canonical(&a.to_ascii_uppercase()), Some(e.mime), "{a}");
            }
            assert!(!e.extensions.is_empty(), "{} has no extension", e.mime);
            assert_eq!(kind(e.mime).is_some(), e.mime.contains('/'));
        }
    }

    #[test]
    fn no_spelling_is_listed_twice() {
        let mut seen = std::collections::HashSet::new();
        for e in TABLE {
            for m in std::iter::once(&e.mime).chain(e.aliases) {
                assert!(seen.insert(m.to_ascii_lowercase()), "{m} listed twice");
            }
        }
    }

    #[test]
    fn an_extension_reads_back_as_the_first_entry_listing_it() {
        for e in TABLE {
            for x in e.extensions {
                let first = TABLE
                    .iter()
                    .find(|t| t.extensions.contains(x))
                    .map(|t| t.mime);
                assert_eq!(from_extension(x), first, "{x}");
            }
        }
        assert_eq!(from_extension("webm"), Some(WEBM));
        assert_eq!(extension(AUDIO_WEBM), Some("webm"));
    }

    #[test]
    fn parameters_and_spaces_are_ignored() {
        assert_eq!(extension(" audio/mpeg ; rate=44100"), Some("mp3"));
        assert_eq!(canonical("image/png;"), Some(PNG));
        assert_eq!(kind("IMAGE/anything"), Some(Kind::Image));
        assert_eq!(kind("image"), None);
    }

    #[test]
    fn paths_use_only_the_last_extension() {
        assert_eq!(from_path("a/b.tar.mp4"), Some(MP4));
        assert_eq!(from_path("dir.png/file"), None);
        assert_eq!(from_path("noext"), None);
        assert_eq!(from_path(""), None);
    }

    #[test]
    fn sniffs_short_and_truncated_input_without_panicking() {
        for len in 0..16 {
            let zeros = vec![0u8; len];
            assert_eq!(sniff(&zeros), None);
        }
        assert_eq!(sniff(b"RIFF"), None);
        assert_eq!(sniff(b"\xFF"), None);
        assert_eq!(sniff(b"BM"), None);
    }

    #[test]
    fn sniffs_container_brands() {
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"), Some(MP4));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0\0\0"), Some(M4A));
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"), Some(MOV));
        assert_eq!(sniff(b"\x1A\x45\xDF\xA3\x9F\x42\x82\x84webm"), Some(WEBM));
        assert_eq!(
            sniff(b"\x1A\x45\xDF\xA3\x9F\x42\x82\x88matroska"),
            Some(MKV)
        );
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI LIST"), Some(AVI));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), Some(AAC));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Some(MP3));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), Some(MP3));
    }
}
