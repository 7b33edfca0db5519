//! Writing descriptions: CRLF-terminated `<type>=<value>` lines.

use std::fmt;

use crate::description::SessionDescription;
use crate::media::MediaDescription;

impl fmt::Display for SessionDescription {
    /// Writes the whole description, every line ending in CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v=0\r\no={}\r\ns={}\r\n", self.origin, self.session_name)?;
        for line in &self.lines {
            write!(f, "{line}\r\n")?;
        }
        for media in &self.media {
            write!(f, "{media}")?;
        }
        Ok(())
    }
}

impl fmt::Display for MediaDescription {
    /// Writes the `m=` line and the lines after it, every line ending in CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m=")?;
        self.write_media_line(f)?;
        f.write_str("\r\n")?;
        for line in self.lines() {
            write!(f, "{line}\r\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Attribute, Connection, Line, MediaDescription, Setup};

    #[test]
    fn media_section_is_crlf_terminated() {
        let mut m = MediaDescription::new(
            "message",
            7394,
            "TCP/MSRP",
            vec!["text/plain".into(), "*".into()],
        );
        m.port_count = Some(2);
        m.set_connection(Connection::ip4("h"));
        m.push_attribute(Attribute::Setup(Setup::Passive));
        m.push_line(Line::Unknown {
            kind: 'y',
            value: "z".into(),
        });
        assert_eq!(
            m.to_string(),
            "m=message 7394/2 TCP/MSRP text/plain *\r\nc=IN IP4 h\r\na=setup:passive\r\ny=z\r\n"
        );
    }
}
