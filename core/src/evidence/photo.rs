//! Checks on the camera's JPEG before anything is stored, and the thumbnail.
//!
//! The original is never decoded in full nor re-encoded: the structure is walked marker by
//! marker (so truncation and bombs are caught from the header), and the thumbnail is decoded
//! at 1/2, 1/4 or 1/8 scale through the decoder's DCT scaling.

use super::Flag;
use crate::{Error, Result};
use image::{DynamicImage, RgbImage, imageops};

/// Long side of thumbnails, in pixels.
pub const THUMBNAIL_EDGE: u32 = 320;
/// Photos declaring more pixels than this are refused before decoding (a 200-MP phone
/// sensor fits; a decompression bomb does not).
pub const MAX_PIXELS: u64 = 210_000_000;
const MAX_SIDE: u32 = 20_000;

const TRUNCATED: &str = "照片文件不完整（可能拍摄或复制时中断），请重拍";
const UNDECODABLE: &str = "照片无法解码，请重拍";

/// What the frame header of a JPEG declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JpegInfo {
    pub width: u32,
    pub height: u32,
    /// Colour components: 1 grayscale, 3 YCbCr (or RGB), 4 CMYK or YCCK.
    pub components: u8,
}

impl JpegInfo {
    /// Colour a camera does not write, for the reviewer: the photo is still evidence.
    pub fn colour_flags(&self) -> Vec<Flag> {
        match self.components {
            1 => vec![Flag::GrayscaleColour],
            4 => vec![Flag::CmykColour],
            _ => Vec::new(),
        }
    }
}

/// The frame header of a well-formed, complete baseline or progressive JPEG. Refused: what is
/// empty, not a JPEG, truncated or malformed, declares a bomb's size, or has a colour model no
/// decoder shows (components other than 1, 3 or 4).
pub(crate) fn inspect_jpeg(bytes: &[u8]) -> Result<JpegInfo> {
    let bad = |why: String| Error::invalid("photo", why);
    if bytes.is_empty() {
        return Err(bad("照片文件是空的，请重拍".into()));
    }
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(bad("文件不是 JPEG 照片".into()));
    }
    let mut pos = 2;
    let mut dims = None;
    loop {
        // Skip fill bytes, then read a marker.
        while pos < bytes.len() && bytes[pos] == 0xFF && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if pos + 1 >= bytes.len() {
            return Err(bad(TRUNCATED.into()));
        }
        if bytes[pos] != 0xFF {
            return Err(bad(format!("照片文件在第 {pos} 字节处损坏，请重拍")));
        }
        let marker = bytes[pos + 1];
        pos += 2;
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        if pos + 2 > bytes.len() {
            return Err(bad(TRUNCATED.into()));
        }
        let len = u16::from_be_bytes([bytes[pos], bytes[pos + 1]]) as usize;
        if len < 2 || pos + len > bytes.len() {
            return Err(bad(TRUNCATED.into()));
        }
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            if len < 8 {
                return Err(bad("照片文件头损坏，请重拍".into()));
            }
            let h = u16::from_be_bytes([bytes[pos + 3], bytes[pos + 4]]) as u32;
            let w = u16::from_be_bytes([bytes[pos + 5], bytes[pos + 6]]) as u32;
            let components = bytes[pos + 7];
            if w == 0 || h == 0 {
                return Err(bad("照片的宽度或高度为零，请重拍".into()));
            }
            if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
                return Err(bad(format!("照片声称有 {w}×{h} 像素，超过任何手机相机，可能是恶意文件")));
            }
            if !matches!(components, 1 | 3 | 4) {
                return Err(bad(format!("照片有 {components} 个颜色通道，无法显示（正常为 1、3 或 4 个）")));
            }
            dims = Some(JpegInfo { width: w, height: h, components });
        }
        pos += len;
        if marker == 0xDA {
            // Entropy-coded data: runs until a marker other than stuffing (FF00) or restart.
            loop {
                match bytes[pos..].iter().position(|&b| b == 0xFF) {
                    None => {
                        return Err(bad(TRUNCATED.into()));
                    }
                    Some(i) => {
                        pos += i;
                        match bytes.get(pos + 1) {
                            None => {
                                return Err(bad(TRUNCATED.into()));
                            }
                            Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => pos += 1,
                            Some(_) => break,
                        }
                    }
                }
            }
        }
    }
    dims.ok_or_else(|| bad("照片文件缺少图像信息，请重拍".into()))
}

/// A JPEG thumbnail of about THUMBNAIL_EDGE on the long side, upright per the EXIF orientation.
pub(crate) fn thumbnail(jpeg: &[u8], width: u32, height: u32, orientation: u16) -> Result<Vec<u8>> {
    let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(jpeg));
    let (rw, rh) = if width >= height {
        (THUMBNAIL_EDGE, (THUMBNAIL_EDGE * height).div_ceil(width))
    } else {
        ((THUMBNAIL_EDGE * width).div_ceil(height), THUMBNAIL_EDGE)
    };
    let (sw, sh) = decoder.scale(rw as u16, rh as u16).map_err(|e| Error::invalid_because("photo", UNDECODABLE, e))?;
    let pixels = decoder.decode().map_err(|e| Error::invalid_because("photo", UNDECODABLE, e))?;
    let info = decoder.info().ok_or_else(|| Error::invalid("photo", UNDECODABLE))?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let rgb: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        jpeg_decoder::PixelFormat::L16 => pixels.chunks_exact(2).flat_map(|c| [c[0], c[0], c[0]]).collect(),
        // The decoder undoes Adobe's inverted storage (and YCCK) and returns ink amounts,
        // 0 = no ink; paper white minus the inks, darkened by black, is the screen colour.
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|c| {
                let k = 255 - u16::from(c[3]);
                [c[0], c[1], c[2]].map(|v| ((255 - u16::from(v)) * k / 255) as u8)
            })
            .collect(),
    };
    let img = RgbImage::from_raw(sw, sh, rgb).ok_or_else(|| Error::invalid("photo", UNDECODABLE))?;
    let (tw, th) = if sw >= sh {
        (THUMBNAIL_EDGE, (THUMBNAIL_EDGE * sh / sw).max(1))
    } else {
        ((THUMBNAIL_EDGE * sw / sh).max(1), THUMBNAIL_EDGE)
    };
    let small = DynamicImage::ImageRgb8(imageops::thumbnail(&img, tw.min(sw), th.min(sh)));
    let upright = match orientation {
        2 => small.fliph(),
        3 => small.rotate180(),
        4 => small.flipv(),
        5 => small.rotate90().fliph(),
        6 => small.rotate90(),
        7 => small.rotate270().fliph(),
        8 => small.rotate270(),
        _ => small,
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&upright)
        .map_err(|e| Error::invalid_because("thumbnail", "缩略图无法生成", e))?;
    Ok(out)
}

/// Checks a signature drawing is a small, complete PNG.
pub(crate) fn check_png(bytes: &[u8]) -> Result<(u32, u32)> {
    const MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.is_empty() {
        return Err(Error::invalid("signature", "签名图片是空的，请重新签名"));
    }
    if bytes.len() < 24 || &bytes[..8] != MAGIC || &bytes[12..16] != b"IHDR" {
        return Err(Error::invalid("signature", "签名图片不是 PNG 格式"));
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().expect("4 bytes"));
    let h = u32::from_be_bytes(bytes[20..24].try_into().expect("4 bytes"));
    if w == 0 || h == 0 || w > 4096 || h > 4096 {
        return Err(Error::invalid("signature", format!("签名图片为 {w}×{h} 像素，不是签名板的尺寸")));
    }
    image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .map_err(|e| Error::invalid_because("signature", "签名图片无法解码，请重新签名", e))?;
    Ok((w, h))
}
