use std::io::{Seek, SeekFrom, Write};

use assurai_files::{AtomicFile, write_atomic};

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_creates_parents_and_replaces_leaving_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/out.txt");
    write_atomic(&path, b"first").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"first");
    write_atomic(&path, b"second, longer").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
    assert_eq!(entries(&dir.path().join("a/b")), ["out.txt"]);
}

#[test]
fn a_failed_rename_leaves_the_destination_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // The destination is a non-empty folder: the rename must fail.
    let path = dir.path().join("taken");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), b"x").unwrap();
    assert!(write_atomic(&path, b"data").is_err());
    assert_eq!(entries(dir.path()), ["taken"]);
    assert_eq!(std::fs::read(path.join("keep")).unwrap(), b"x");
}

#[test]
fn a_path_without_a_file_name_is_an_error() {
    assert!(write_atomic("", b"x").is_err());
    assert!(write_atomic("/", b"x").is_err());
}

#[test]
fn dropped_without_commit_the_destination_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bin");
    std::fs::write(&path, b"old").unwrap();
    {
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new but abandoned").unwrap();
        assert_eq!(f.path(), path);
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(entries(dir.path()), ["out.bin"]);
}

#[test]
fn a_streamed_file_can_seek_back_before_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive");
    let mut f = AtomicFile::create(&path).unwrap();
    f.write_all(b"xxxx-body").unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(b"HEAD").unwrap();
    f.commit().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"HEAD-body");
    assert_eq!(entries(dir.path()), ["archive"]);
}

#[test]
fn concurrent_writers_each_leave_a_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared");
    let writers: Vec<_> = (0..8u8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || write_atomic(&path, &vec![i; 64 * 1024]).unwrap())
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 64 * 1024);
    assert!(bytes.iter().all(|&b| b == bytes[0]), "a torn file");
    assert_eq!(entries(dir.path()), ["shared"]);
}
