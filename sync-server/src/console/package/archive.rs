//! Evidence packages as files: written as a ZIP archive with the `zip` crate (entries stored,
//! not compressed: photos do not shrink, and a stored entry's bytes are the file's bytes), and
//! read back from any ZIP a person may have made of it (stored or deflate-compressed) or from
//! an unpacked folder. What is read is untrusted: names are checked, sizes are bounded before
//! anything is unpacked, every entry's CRC-32 is checked.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// A package's files: relative path (with `/`) → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Most unpacked bytes read from one package: far above any case's evidence, far below what
/// would exhaust a laptop's memory (a "ZIP bomb" is refused from its declared sizes).
pub const MAX_PACKAGE_BYTES: u64 = 2 << 30;
/// Most files in one package.
pub const MAX_FILES: usize = 100_000;

/// Why a package could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// Not a package that can be opened at all: no such file, not a ZIP archive, an unsupported
    /// compression method.
    Unreadable(String),
    /// Opened, but something in it is not what an exported package holds: an entry that fails
    /// its CRC-32, an unsafe or repeated name, a link. The package was changed or damaged.
    Damaged(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Unreadable(why) | ReadError::Damaged(why) => f.write_str(why),
        }
    }
}

/// Writes `files` (path → bytes, in the given order) as a ZIP archive of stored entries.
pub fn write(files: &[(String, Vec<u8>)], modified: chrono::NaiveDateTime) -> Result<Vec<u8>, String> {
    use chrono::{Datelike, Timelike};
    let time = zip::DateTime::from_date_and_time(
        u16::try_from(modified.year().clamp(1980, 2107)).unwrap_or(1980),
        modified.month() as u8,
        modified.day() as u8,
        modified.hour() as u8,
        modified.minute() as u8,
        modified.second() as u8,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).map_err(|e| format!("{name}: {e}"))?;
        zip.write_all(bytes).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

/// A safe relative path inside the package: no absolute paths, no `..`, no backslashes.
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Reads a ZIP archive: path → bytes.
pub fn read(bytes: &[u8]) -> Result<Files, ReadError> {
    let damaged = ReadError::Damaged;
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::Unreadable(format!("不是可读的 ZIP 文件（{}）", zip_zh(&e))))?;
    if archive.len() > MAX_FILES {
        return Err(damaged(format!("包内文件过多（超过 {MAX_FILES} 个）")));
    }
    let mut files = Files::new();
    let mut budget = MAX_PACKAGE_BYTES;
    for index in 0..archive.len() {
        let mut entry =
            archive.by_index(index).map_err(|e| damaged(format!("第 {} 个条目已损坏（{}）", index + 1, zip_zh(&e))))?;
        let name = entry.name().map_err(|_| damaged(format!("第 {} 个条目的文件名无效", index + 1)))?.into_owned();
        if entry.is_dir() {
            continue;
        }
        if !safe_name(&name) || entry.is_symlink() {
            return Err(damaged(format!("包内有不安全的文件名或链接: {name:?}")));
        }
        if entry.encrypted() {
            return Err(damaged(format!("{name} 被加密")));
        }
        if !matches!(entry.compression(), CompressionMethod::Stored | CompressionMethod::Deflated) {
            return Err(ReadError::Unreadable(format!("{name} 使用了不支持的压缩方式，请解压后验证文件夹")));
        }
        let declared = entry.size();
        if declared > budget {
            return Err(damaged(format!("{name} 超出证据包的大小上限 (larger than {MAX_PACKAGE_BYTES} bytes)")));
        }
        // Read at most one byte more than declared: a longer entry is caught, not unpacked.
        let mut data = Vec::with_capacity(declared.min(64 << 20) as usize);
        (&mut entry)
            .take(declared + 1)
            .read_to_end(&mut data)
            .map_err(|e| damaged(format!("{name} 已损坏，无法解压或与其 CRC-32 校验值不符（{}）", io_zh(&e))))?;
        if data.len() as u64 != declared {
            return Err(damaged(format!("{name} 的长度与其记录不符")));
        }
        budget -= declared;
        if files.insert(name.clone(), data).is_some() {
            return Err(damaged(format!("{name} 在包内出现两次")));
        }
    }
    Ok(files)
}

/// Reads a package: a ZIP file or an unpacked folder.
pub fn read_path(path: &Path) -> Result<Files, ReadError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ReadError::Unreadable(format!("无法打开 {}（{}）", path.display(), io_zh(&e))))?;
    if meta.is_dir() {
        read_dir(path)
    } else {
        if meta.len() > MAX_PACKAGE_BYTES {
            return Err(ReadError::Unreadable(format!("{} 超出证据包的大小上限", path.display())));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| ReadError::Unreadable(format!("无法读取 {}（{}）", path.display(), io_zh(&e))))?;
        read(&bytes)
    }
}

/// Reads an unpacked package folder. Links are refused (a package holds only files), so a
/// walk never leaves the folder nor loops.
pub fn read_dir(root: &Path) -> Result<Files, ReadError> {
    let unreadable =
        |p: &Path, e: std::io::Error| ReadError::Unreadable(format!("无法读取 {}（{}）", p.display(), io_zh(&e)));
    let mut out = Files::new();
    let mut budget = MAX_PACKAGE_BYTES;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, e))? {
            let entry = entry.map_err(|e| unreadable(&dir, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| unreadable(&path, e))?;
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let size = entry.metadata().map_err(|e| unreadable(&path, e))?.len();
                if size > budget || out.len() >= MAX_FILES {
                    return Err(ReadError::Unreadable(format!("{} 超出证据包的大小上限", root.display())));
                }
                budget -= size;
                out.insert(name, std::fs::read(&path).map_err(|e| unreadable(&path, e))?);
            } else {
                return Err(ReadError::Damaged(format!("包内有链接或特殊文件: {name}")));
            }
        }
    }
    Ok(out)
}

/// What a file error means, in Chinese (the system's text is English).
pub fn io_zh(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在",
        std::io::ErrorKind::PermissionDenied => "没有读取权限",
        std::io::ErrorKind::IsADirectory => "这是一个文件夹",
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => "数据已损坏",
        _ => "读写出错",
    }
}

/// What a ZIP error means, in Chinese.
fn zip_zh(e: &zip::result::ZipError) -> &'static str {
    match e {
        zip::result::ZipError::Io(e) => io_zh(e),
        zip::result::ZipError::UnsupportedArchive(_) => "不支持的 ZIP 格式",
        _ => "文件结构已损坏",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 18).unwrap().and_hms_opt(21, 5, 0).unwrap()
    }

    #[test]
    fn what_is_written_reads_back() {
        let files = vec![
            ("README.txt".to_owned(), "说明".as_bytes().to_vec()),
            ("photos/a.jpg".to_owned(), vec![0xff, 0xd8, 0, 1, 2]),
            ("empty".to_owned(), Vec::new()),
        ];
        let zip = write(&files, at()).unwrap();
        let back = read(&zip).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back["README.txt"], "说明".as_bytes());
        assert_eq!(back["photos/a.jpg"], vec![0xff, 0xd8, 0, 1, 2]);
        // Stored: the photo's bytes are in the archive as they are.
        assert!(zip.windows(5).any(|w| w == [0xff, 0xd8, 0, 1, 2]));
    }

    #[test]
    fn a_flipped_byte_is_damage_and_unsafe_names_are_refused() {
        let mut zip = write(&[("a.txt".to_owned(), b"hello".to_vec())], at()).unwrap();
        let pos = zip.windows(5).position(|w| w == b"hello").unwrap();
        zip[pos] = b'j';
        assert!(matches!(read(&zip), Err(ReadError::Damaged(why)) if why.contains("CRC")));
        let evil = write(&[("../etc/passwd".to_owned(), b"x".to_vec())], at()).unwrap();
        assert!(matches!(read(&evil), Err(ReadError::Damaged(why)) if why.contains("不安全")));
        assert!(matches!(read(b"not a zip at all, not even close to one"), Err(ReadError::Unreadable(_))));
    }
}
