//! A minimal ZIP writer and reader for evidence packages: entries are stored (method 0, no
//! compression: photos do not shrink, and a stored entry's bytes are the file's bytes), names
//! are UTF-8, no ZIP64 (a package is far below 4 GB). The reader accepts what the writer makes;
//! a package re-zipped with compression should be unpacked and verified as a folder.

use std::collections::BTreeMap;

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
/// General-purpose flag bit 11: names are UTF-8.
const UTF8: u16 = 1 << 11;

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// MS-DOS date and time fields for a local time.
fn dos_time(t: chrono::NaiveDateTime) -> (u16, u16) {
    use chrono::{Datelike, Timelike};
    let time = ((t.hour() << 11) | (t.minute() << 5) | (t.second() / 2)) as u16;
    let year = t.year().clamp(1980, 2107) as u32 - 1980;
    let date = ((year << 9) | (t.month() << 5) | t.day()) as u16;
    (time, date)
}

/// Writes `files` (path → bytes, in the given order) as a stored ZIP archive.
pub fn write(files: &[(String, Vec<u8>)], modified: chrono::NaiveDateTime) -> Result<Vec<u8>, String> {
    let (time, date) = dos_time(modified);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, bytes) in files {
        let size = u32::try_from(bytes.len()).map_err(|_| format!("{name} is larger than 4 GB"))?;
        let offset = u32::try_from(out.len()).map_err(|_| "the package is larger than 4 GB".to_owned())?;
        let name_len = u16::try_from(name.len()).map_err(|_| format!("the name {name} is too long"))?;
        let crc = crc32fast::hash(bytes);
        u32le(&mut out, LOCAL);
        u16le(&mut out, 20); // version needed: 2.0
        u16le(&mut out, UTF8);
        u16le(&mut out, 0); // stored
        u16le(&mut out, time);
        u16le(&mut out, date);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name_len);
        u16le(&mut out, 0); // no extra field
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);

        u32le(&mut central, CENTRAL);
        u16le(&mut central, 0x0314); // made by: Unix, spec 2.0
        u16le(&mut central, 20);
        u16le(&mut central, UTF8);
        u16le(&mut central, 0);
        u16le(&mut central, time);
        u16le(&mut central, date);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name_len);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0o100644 << 16); // external: a regular file, rw-r--r--
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(files.len()).map_err(|_| "more than 65535 files".to_owned())?;
    let central_offset = u32::try_from(out.len()).map_err(|_| "the package is larger than 4 GB".to_owned())?;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    u32le(&mut out, END);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0); // comment length
    Ok(out)
}

fn rd16(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]])).ok_or_else(|| "the archive is truncated".to_owned())
}

fn rd32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| "the archive is truncated".to_owned())
}

/// A safe relative path inside the package: no absolute paths, no `..`, no backslashes.
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Reads a stored ZIP archive: path → bytes. Each entry's CRC-32 is checked.
pub fn read(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    // The end record is within the last 22 + 65535 bytes (its comment is at most 65535).
    let lowest = bytes.len().saturating_sub(22 + 65_535);
    let end = (lowest..=bytes.len().saturating_sub(22))
        .rev()
        .find(|i| rd32(bytes, *i).ok() == Some(END))
        .ok_or("not a ZIP archive (no end of central directory)")?;
    let count = rd16(bytes, end + 10)? as usize;
    let mut at = rd32(bytes, end + 16)? as usize;
    let mut files = BTreeMap::new();
    for _ in 0..count {
        if rd32(bytes, at)? != CENTRAL {
            return Err("the central directory is damaged".into());
        }
        let flags = rd16(bytes, at + 8)?;
        let method = rd16(bytes, at + 10)?;
        let crc = rd32(bytes, at + 16)?;
        let csize = rd32(bytes, at + 20)? as usize;
        let usize_ = rd32(bytes, at + 24)? as usize;
        let name_len = rd16(bytes, at + 28)? as usize;
        let extra_len = rd16(bytes, at + 30)? as usize;
        let comment_len = rd16(bytes, at + 32)? as usize;
        let offset = rd32(bytes, at + 42)? as usize;
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or("the archive is truncated")?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| "a file name is not UTF-8".to_owned())?;
        at += 46 + name_len + extra_len + comment_len;
        if name.ends_with('/') {
            continue; // a directory entry
        }
        if !safe_name(&name) {
            return Err(format!("unsafe file name in the archive: {name:?}"));
        }
        if method != 0 || csize != usize_ || flags & 1 != 0 {
            return Err(format!("{name} is compressed or encrypted; unpack the archive and verify the folder instead"));
        }
        if rd32(bytes, offset)? != LOCAL {
            return Err(format!("the local header of {name} is damaged"));
        }
        let start = offset + 30 + rd16(bytes, offset + 26)? as usize + rd16(bytes, offset + 28)? as usize;
        let data = bytes.get(start..start + csize).ok_or_else(|| format!("{name} is truncated"))?;
        if crc32fast::hash(data) != crc {
            return Err(format!("{name} does not match its CRC-32 (the archive is damaged)"));
        }
        if files.insert(name.clone(), data.to_vec()).is_some() {
            return Err(format!("{name} appears twice in the archive"));
        }
    }
    Ok(files)
}

/// Reads an unpacked package folder: relative path (with `/`) → bytes.
pub fn read_dir(root: &std::path::Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut BTreeMap<String, Vec<u8>>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).map_err(|e| e.to_string())?;
                let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.insert(name, std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 3, 18).unwrap().and_hms_opt(21, 5, 0).unwrap();
        let files = vec![
            ("README.txt".to_owned(), "说明".as_bytes().to_vec()),
            ("photos/a.jpg".to_owned(), vec![0xff, 0xd8, 0, 1, 2]),
            ("empty".to_owned(), Vec::new()),
        ];
        let zip = write(&files, t).unwrap();
        let back = read(&zip).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back["README.txt"], "说明".as_bytes());
        assert_eq!(back["photos/a.jpg"], vec![0xff, 0xd8, 0, 1, 2]);
    }

    #[test]
    fn a_flipped_byte_is_caught_and_unsafe_names_refused() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let mut zip = write(&[("a.txt".to_owned(), b"hello".to_vec())], t).unwrap();
        let at = zip.windows(5).position(|w| w == b"hello").unwrap();
        zip[at] = b'j';
        assert!(read(&zip).unwrap_err().contains("CRC-32"));
        let evil = write(&[("../etc/passwd".to_owned(), b"x".to_vec())], t).unwrap();
        assert!(read(&evil).unwrap_err().contains("unsafe"));
        assert!(read(b"not a zip at all, not even close to one").is_err());
    }
}
