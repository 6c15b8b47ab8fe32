//! W1: what an avatar may be: an image whose type is read from its own bytes (never from what
//! an uploader or a server says), of a bounded size. The server checks an upload with it; the
//! app checks what it fetched before showing it.

/// The largest avatar kept, in bytes.
pub const MAX_AVATAR_BYTES: usize = 256 * 1024;

/// The image types an avatar may be, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Png,
    Jpeg,
    Webp,
}

impl ImageType {
    /// The media type it is served and shown as.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Webp => "image/webp",
        }
    }

    /// The type a stored media type names (what [`ImageType::content_type`] wrote).
    pub fn of_content_type(s: &str) -> Option<ImageType> {
        [ImageType::Png, ImageType::Jpeg, ImageType::Webp]
            .into_iter()
            .find(|t| t.content_type() == s)
    }
}

/// The image type of `bytes` by their signature; `None` for anything else (HTML, SVG, ...).
pub fn sniff_image(bytes: &[u8]) -> Option<ImageType> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageType::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageType::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageType::Webp)
    } else {
        None
    }
}

/// An avatar's bytes as they may be kept: within [`MAX_AVATAR_BYTES`] and an image.
pub fn check_avatar(bytes: &[u8]) -> Result<ImageType, AvatarError> {
    if bytes.len() > MAX_AVATAR_BYTES {
        return Err(AvatarError::TooLarge);
    }
    sniff_image(bytes).ok_or(AvatarError::NotAnImage)
}

/// Why an avatar was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AvatarError {
    #[error("an avatar is at most {} KiB", MAX_AVATAR_BYTES / 1024)]
    TooLarge,
    #[error("an avatar is a PNG, JPEG or WebP image")]
    NotAnImage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w1_an_avatar_s_type_is_read_from_its_bytes() {
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(ImageType::Png)
        );
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(
            sniff_image(b"RIFF\x24\0\0\0WEBPVP8 "),
            Some(ImageType::Webp)
        );
        assert_eq!(sniff_image(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff_image(b"<html><script>"), None);
        assert_eq!(sniff_image(b"RIFF"), None);
        assert_eq!(sniff_image(b""), None);
        assert_eq!(
            ImageType::of_content_type("image/webp"),
            Some(ImageType::Webp)
        );
        assert_eq!(ImageType::of_content_type("text/html"), None);
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_AVATAR_BYTES + 1, 0);
        assert_eq!(check_avatar(&big), Err(AvatarError::TooLarge));
        assert_eq!(check_avatar(b"GIF89a"), Err(AvatarError::NotAnImage));
    }
}
