//! Same-device block: this is a prescribing device; a QR code of the link
//! lets the prescriber continue on their phone.

use std::rc::Rc;

use qrcode::{Color, EcLevel, QrCode};
use slint::{ComponentHandle, Image, Rgb8Pixel, SharedPixelBuffer};

use super::{Controller, SameDeviceAdapter, Screen};

pub(super) fn wire(c: &Rc<Controller>) {
    c.window
        .global::<SameDeviceAdapter>()
        .on_back(super::on(c, |c| c.show_tokens()));
}

/// The QR code of `text` as an image, one pixel per module plus a 4-module quiet zone.
pub fn qr_image(text: &str) -> Option<Image> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let quiet = 4;
    let size = (width + 2 * quiet) as u32;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(size, size);
    let colors = code.to_colors();
    for (i, px) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % size as usize, i / size as usize);
        let dark = x >= quiet
            && y >= quiet
            && x < width + quiet
            && y < width + quiet
            && colors[(y - quiet) * width + (x - quiet)] == Color::Dark;
        let v = if dark { 0 } else { 255 };
        *px = Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(Image::from_rgb8(buffer))
}

pub(super) fn show(c: &Controller, link: &str) {
    let a = c.window.global::<SameDeviceAdapter>();
    // Never a stale code from an earlier link: no image when this one cannot be encoded.
    a.set_qr(qr_image(link.trim()).unwrap_or_default());
    a.set_device_id(c.tokens.device().to_string().into());
    c.go(Screen::SameDevice);
}
