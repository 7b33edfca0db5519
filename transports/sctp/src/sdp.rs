//! How SDP names the SCTP port: `a=sctp-port:<port>` beside the m-line's UDP port.

use imsession::sdp::Attribute;
use imsession::sdp::MediaDescription;

/// The attribute naming the SCTP port of the end that wrote the media section (the name
/// RFC 8841 gives the SCTP port in SDP).
pub const SCTP_PORT_ATTRIBUTE: &str = "sctp-port";

/// The SCTP port assumed when `a=sctp-port` is absent. RFC 8841 defines no default (there a
/// missing `a=sctp-port` makes the m-line invalid); defaulting to 5000 is imsession's own
/// convention for `cpim/sctp`, which borrows the attribute. imsession always writes it.
pub const DEFAULT_SCTP_PORT: u16 = 5000;

/// The SCTP port the peer's media section names, or [`DEFAULT_SCTP_PORT`].
///
/// # Errors
/// A message when the attribute is not a port number from 1 to 65535.
pub fn sctp_port(media: &MediaDescription) -> Result<u16, String> {
    let Some(Attribute::Other { value, .. }) = media.attribute(SCTP_PORT_ATTRIBUTE) else {
        return Ok(DEFAULT_SCTP_PORT);
    };
    let text = value.as_deref().unwrap_or("").trim();
    match text.parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(format!("bad a=sctp-port value {text:?}")),
    }
}

/// Writes `a=sctp-port:<port>` into our media section.
pub(crate) fn describe(port: u16, media: &mut MediaDescription) {
    media.remove_attributes(SCTP_PORT_ATTRIBUTE);
    media.push_attribute(Attribute::Other {
        name: SCTP_PORT_ATTRIBUTE.to_owned(),
        value: Some(port.to_string()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(attr: Option<&str>) -> MediaDescription {
        let mut m = MediaDescription::new("message", 9899, "cpim/sctp", vec!["text/plain".into()]);
        if let Some(v) = attr {
            m.push_attribute(Attribute::Other {
                name: SCTP_PORT_ATTRIBUTE.into(),
                value: Some(v.into()),
            });
        }
        m
    }

    #[test]
    fn port_from_attribute_or_default() {
        assert_eq!(sctp_port(&media(None)), Ok(DEFAULT_SCTP_PORT));
        assert_eq!(sctp_port(&media(Some("7"))), Ok(7));
        assert!(sctp_port(&media(Some("0"))).is_err());
        assert!(sctp_port(&media(Some("seven"))).is_err());
    }

    #[test]
    fn describe_writes_one_attribute() {
        let mut m = media(Some("7"));
        describe(5001, &mut m);
        assert_eq!(sctp_port(&m), Ok(5001));
        assert_eq!(
            m.attributes()
                .filter(|a| a.name() == SCTP_PORT_ATTRIBUTE)
                .count(),
            1
        );
    }
}
