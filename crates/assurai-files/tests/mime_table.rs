use assurai_files::mime::{self, Kind};
use proptest::prelude::*;

/// Every canonical type the table knows, for the round trips below.
const KNOWN: &[&str] = &[
    mime::PNG,
    mime::JPEG,
    mime::GIF,
    mime::WEBP,
    mime::BMP,
    mime::WAV,
    mime::MP3,
    mime::OGG,
    mime::FLAC,
    mime::AAC,
    mime::M4A,
    mime::AUDIO_WEBM,
    mime::PCM,
    mime::MP4,
    mime::WEBM,
    mime::MOV,
    mime::MKV,
    mime::AVI,
];

#[test]
fn every_known_type_has_an_extension_that_reads_back_as_the_same_kind() {
    for &m in KNOWN {
        assert_eq!(mime::canonical(m), Some(m));
        let ext = mime::extension(m).unwrap();
        let back = mime::from_extension(ext).unwrap();
        if m == mime::AUDIO_WEBM {
            // The one shared extension: `.webm` reads back as video.
            assert_eq!(back, mime::WEBM);
        } else {
            assert_eq!(back, m, "{m} → {ext}");
        }
    }
}

#[test]
fn the_spellings_providers_send_are_known() {
    for (sent, canonical) in [
        ("audio/x-wav", mime::WAV),
        ("audio/wave", mime::WAV),
        ("audio/vnd.wave", mime::WAV),
        ("audio/mp3", mime::MP3),
        ("audio/opus", mime::OGG),
        ("audio/m4a", mime::M4A),
        ("audio/x-m4a", mime::M4A),
        ("image/jpg", mime::JPEG),
    ] {
        assert_eq!(mime::canonical(sent), Some(canonical), "{sent}");
    }
}

#[test]
fn sniffs_real_file_headers() {
    // First bytes of files written by common encoders.
    let jfif = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    assert_eq!(mime::sniff(&jfif), Some(mime::JPEG));
    assert_eq!(mime::sniff(b"GIF89a\x01\0\x01\0"), Some(mime::GIF));
    assert_eq!(mime::sniff(b"RIFF\x1a\0\0\0WEBPVP8 "), Some(mime::WEBP));
    assert_eq!(
        mime::sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0"),
        Some(mime::BMP)
    );
    assert_eq!(mime::sniff(b"OggS\0\x02\0\0"), Some(mime::OGG));
    assert_eq!(mime::sniff(b"fLaC\0\0\0\x22"), Some(mime::FLAC));
    assert_eq!(mime::sniff(b"PK\x03\x04"), None);
    assert_eq!(mime::sniff(b"<svg xmlns="), None);
}

proptest! {
    #[test]
    fn sniff_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = mime::sniff(&bytes);
    }

    #[test]
    fn a_magic_prefix_decides_whatever_follows(tail in proptest::collection::vec(any::<u8>(), 0..32)) {
        for (magic, m) in [
            (&b"\x89PNG\r\n\x1a\n"[..], mime::PNG),
            (&[0xFF, 0xD8, 0xFF][..], mime::JPEG),
            (&b"GIF87a"[..], mime::GIF),
            (&b"OggS"[..], mime::OGG),
            (&b"fLaC"[..], mime::FLAC),
        ] {
            let mut bytes = magic.to_vec();
            bytes.extend_from_slice(&tail);
            prop_assert_eq!(mime::sniff(&bytes), Some(m));
        }
    }

    #[test]
    fn from_path_agrees_with_from_extension(
        stem in "[a-z0-9_/]{0,12}",
        i in 0..KNOWN.len(),
        upper in any::<bool>(),
    ) {
        let ext = mime::extension(KNOWN[i]).unwrap();
        let ext = if upper { ext.to_ascii_uppercase() } else { ext.to_owned() };
        let path = format!("{stem}x.{ext}");
        prop_assert_eq!(mime::from_path(&path), mime::from_extension(&ext));
        prop_assert!(mime::from_path(&path).is_some());
    }

    #[test]
    fn lookups_are_consistent_for_any_string(s in "\\PC{0,24}") {
        // Whatever the input: a known type has an extension and a kind, and
        // its canonical form is a fixed point.
        if let Some(c) = mime::canonical(&s) {
            prop_assert!(mime::extension(&s).is_some());
            prop_assert_eq!(mime::canonical(c), Some(c));
            prop_assert!(matches!(
                mime::kind(c),
                Some(Kind::Image | Kind::Audio | Kind::Video)
            ));
        } else {
            prop_assert_eq!(mime::extension(&s), None);
        }
        if let Some(m) = mime::from_extension(&s) {
            prop_assert_eq!(mime::canonical(m), Some(m));
        }
    }
}
