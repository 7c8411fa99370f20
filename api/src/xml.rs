//! A minimal XML writer for the Open311 facade's answers: elements and text,
//! every text escaped in one place.

/// An XML document being written. Element names are the caller's constants,
/// never input; text always goes through [`escape`].
pub struct Xml {
    out: String,
}

impl Xml {
    /// A document with its declaration (UTF-8).
    pub fn document() -> Xml {
        Xml {
            out: String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        }
    }

    /// `<name>`.
    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>text</name>`.
    pub fn text(&mut self, name: &str, text: &str) {
        self.open(name);
        escape(text, &mut self.out);
        self.close(name);
    }

    /// `<name>text</name>`, or `<name/>` for none (as GeoReport v2 writes a
    /// field without a value).
    pub fn optional(&mut self, name: &str, text: Option<&str>) {
        match text {
            Some(text) => self.text(name, text),
            None => {
                self.out.push('<');
                self.out.push_str(name);
                self.out.push_str("/>");
            }
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Appends `text` as XML character data: markup characters become entities,
/// and characters XML 1.0 cannot carry at all (most C0 controls, lone
/// surrogates cannot occur in a `str`, U+FFFE/U+FFFF) become U+FFFD.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_escaped_and_none_is_an_empty_element() {
        let mut xml = Xml::document();
        xml.open("request");
        xml.text("description", "<b>Tom & \"Jerry\"</b>'s\u{1}\r\n");
        xml.optional("media_url", None);
        xml.close("request");
        assert_eq!(
            xml.finish(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><request><description>\
             &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;&apos;s\u{FFFD}&#13;\n\
             </description><media_url/></request>"
        );
    }
}
