//! ANSI escape sequences in container output (`\x1b[32mINFO\x1b[0m`): taken out of the text that
//! is filtered, measured and copied, and kept as styles for drawing.

use ansi_to_tui::IntoText;
use ratatui_core::style::{Color, Modifier, Style};
use std::borrow::Cow;
use std::ops::Range;

/// A line's text without escape sequences, and the style each part of it asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Styled {
    pub text: String,
    /// Byte ranges of `text`, in order, that carry a style other than the default.
    pub styles: Vec<(Range<usize>, Style)>,
}

/// Whether the text carries escape sequences at all; the common case costs one scan.
pub fn has_escapes(text: &str) -> bool {
    text.contains('\x1b')
}

/// The text without its escape sequences (borrowed when it has none): the same text `styled`
/// gives, found by skipping the sequences as ansi-to-tui's parser does (`ESC [` up to a letter,
/// `ESC ]` up to BEL, a lone `ESC`) without building styles. Filters run this on every buffered
/// line they scan, so it has to be cheap.
pub fn plain(text: &str) -> Cow<'_, str> {
    if !has_escapes(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (index, line) in lines(text).enumerate() {
        if index > 0 {
            out.push(' ');
        }
        let mut rest = line;
        while let Some(at) = rest.find('\x1b') {
            out.push_str(&rest[..at]);
            rest = after_escape(&rest[at + 1..]);
        }
        out.push_str(rest);
    }
    Cow::Owned(out)
}

/// The parts between line breaks (`\r\n`, `\n`, `\r`); a break at the very end starts no part.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let Some(at) = current.find(['\r', '\n']) else {
            rest = None;
            return Some(current);
        };
        let after = current[at..]
            .strip_prefix("\r\n")
            .unwrap_or(&current[at + 1..]);
        rest = (!after.is_empty()).then_some(after);
        Some(&current[..at])
    })
}

/// What follows an escape sequence whose `ESC` was just read.
fn after_escape(rest: &str) -> &str {
    let end = |found: Option<usize>| found.map_or("", |at| &rest[at + 1..]);
    match rest.as_bytes().first() {
        Some(b'[') => end(rest.bytes().position(|b| b.is_ascii_alphabetic())),
        Some(b']') => end(rest.bytes().position(|b| b == b'\x07')),
        _ => rest,
    }
}

/// The text and its styles. A carriage return inside a line (a progress bar redrawn in place)
/// becomes a space; text the parser cannot read is kept as it came, less the escape characters.
pub fn styled(text: &str) -> Styled {
    if !has_escapes(text) {
        return Styled {
            text: text.to_string(),
            styles: Vec::new(),
        };
    }
    let Ok(parsed) = text.to_text() else {
        return Styled {
            text: text.replace('\x1b', ""),
            styles: Vec::new(),
        };
    };
    let mut out = Styled {
        text: String::with_capacity(text.len()),
        styles: Vec::new(),
    };
    for (index, line) in parsed.lines.iter().enumerate() {
        if index > 0 {
            out.text.push(' ');
        }
        for span in &line.spans {
            let start = out.text.len();
            out.text.push_str(&span.content);
            let style = own(line.style.patch(span.style));
            if style != Style::default() && start < out.text.len() {
                out.styles.push((start..out.text.len(), style));
            }
        }
    }
    out
}

/// What the text itself asked for: a reset (`\x1b[0m`) hands back to the line's own style
/// (its level colour) rather than painting the terminal's default over it.
fn own(style: Style) -> Style {
    let set = |color: Option<Color>| color.filter(|color| *color != Color::Reset);
    let mut own = style;
    own.fg = set(style.fg);
    own.bg = set(style.bg);
    own.underline_color = set(style.underline_color);
    own.sub_modifier = Modifier::empty();
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_styles_and_leave_the_text_plain() {
        let line = "\x1b[2m2024-05-01\x1b[0m \x1b[32m INFO\x1b[0m \x1b[1;31mboom\x1b[0m done";
        let styled = styled(line);
        assert_eq!(styled.text, "2024-05-01  INFO boom done");
        let parts: Vec<(&str, Style)> = styled
            .styles
            .iter()
            .map(|(range, style)| (&styled.text[range.clone()], *style))
            .collect();
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert_eq!(parts[0].0, "2024-05-01");
        assert!(parts[0].1.add_modifier.contains(Modifier::DIM));
        assert_eq!(parts[1], (" INFO", Style::new().fg(Color::Green)));
        assert_eq!(parts[2].0, "boom");
        assert_eq!(parts[2].1.fg, Some(Color::Red));
        assert!(parts[2].1.add_modifier.contains(Modifier::BOLD));
        assert_eq!(plain(line), "2024-05-01  INFO boom done");
    }

    #[test]
    fn text_without_escapes_is_borrowed_and_unstyled() {
        assert!(matches!(plain("plain line"), Cow::Borrowed("plain line")));
        assert_eq!(styled("plain").styles, Vec::new());
        // Cursor movement and erasing from a progress bar leave only the words.
        assert_eq!(
            plain("\x1b[2K\x1b[1Gpulling 50%\rpulling 100%"),
            "pulling 50% pulling 100%"
        );
    }

    #[test]
    fn plain_text_is_the_text_the_styles_are_drawn_on() {
        let samples = [
            "\x1b[2m2024-05-01\x1b[0m \x1b[32m INFO\x1b[0m done",
            "\x1b[38;5;208morange\x1b[0m and \x1b[38;2;10;20;30mrgb\x1b[0m",
            "\x1b]0;window title\x07after the title",
            "\x1b[2K\x1b[1Gpulling 50%\rpulling 100%\r\n",
            "a\x1b[1mb\r\n\nc\x1b",
            "lone \x1b escape and \x1b[unterminated",
            "\x1b[31mred\x1b[m plain ünïcödé 日本",
        ];
        for sample in samples {
            assert_eq!(plain(sample), styled(sample).text, "{sample:?}");
        }
    }
}
