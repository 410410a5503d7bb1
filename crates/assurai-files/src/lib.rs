//! What the AssurAI crates share about files, kept in one place below all
//! of them: the MIME table ([`mime`]: extensions, aliases and magic bytes)
//! and the crash-safe write ([`write_atomic`], [`AtomicFile`]).
//!
//! It sits under `assurai-models` (provider requests and the response
//! cache), `assurai-dataset` (media kinds), `assurai-eval` (the manifest,
//! Inspect archives, the HTML report's embedded images) and
//! `assurai-runner` (saved media), which do not all depend on each other,
//! so the one copy of each lives here. It depends on nothing but `std`.
//!
//! ```
//! use assurai_files::mime;
//!
//! let bytes = b"\xFF\xD8\xFF\xE0\0\x10JFIF";
//! assert_eq!(mime::sniff(bytes), Some(mime::JPEG));
//! assert_eq!(mime::extension(mime::JPEG), Some("jpg"));
//! assert_eq!(mime::from_path("media/q1.jpeg"), Some(mime::JPEG));
//! ```

mod atomic;
pub mod mime;

pub use atomic::{AtomicFile, write_atomic};
