//! Building an offer.

use imsession_sdp::{Connection, MediaDescription, Origin, SessionDescription};

use super::comedia::{Dialect, SetupPreference};
use super::comedia::{offer_attributes, offer_may_listen};
use super::options::{LocalAddress, MediaOptions};
use super::{ACTIVE_PORT, Negotiator, PendingOffer};
use crate::accept::MediaRange;
use crate::error::NegotiationError;
use crate::session_end::SessionEnd;

impl Negotiator {
    /// Builds an offer with one m-line per entry of `media`, advertising `local`.
    ///
    /// An m-line on which we may be passive carries the listening port `local` gives for its
    /// transport; one on which we only connect carries port 9.
    ///
    /// # Errors
    /// [`NegotiationError::UnsupportedProto`] for a proto no registered pair serves,
    /// [`NegotiationError::BadMedia`] when a listening port is needed but `local` has none,
    /// [`NegotiationError::NothingToOffer`] for an empty list,
    /// [`NegotiationError::HoldConnNeedsSetup`] for holdconn in the `a=direction` dialect.
    pub fn offer(
        &self,
        media: &[MediaOptions],
        local: &LocalAddress,
    ) -> Result<PendingOffer, NegotiationError> {
        if media.is_empty() {
            return Err(NegotiationError::NothingToOffer);
        }
        let mut sdp = new_description(&local.host);
        let mut locals = Vec::with_capacity(media.len());
        for (index, opts) in media.iter().enumerate() {
            let pair = self
                .pair_for(opts.proto.as_str())
                .ok_or_else(|| NegotiationError::UnsupportedProto(opts.proto.to_string()))?;
            if opts.dialect == Dialect::Direction && opts.setup == SetupPreference::HoldConn {
                return Err(NegotiationError::HoldConnNeedsSetup { index });
            }
            let port = if offer_may_listen(opts.setup) {
                local
                    .port_for(pair.transport.name())
                    .ok_or_else(|| NegotiationError::BadMedia {
                        index,
                        reason: format!(
                            "no listening port for transport {}",
                            pair.transport.name()
                        ),
                    })?
            } else {
                ACTIVE_PORT
            };
            let end = SessionEnd {
                uri: pair.mechanism.new_uri(&local.host),
                accepts: ranges(&opts.accept),
                max_size: Some(self.limits.max_message as u64),
            };
            let mut m = MediaDescription::new("message", port, pair.proto.as_str(), Vec::new());
            pair.mechanism.describe(&end, &mut m);
            for a in offer_attributes(opts.dialect, opts.setup, opts.connection) {
                m.push_attribute(a);
            }
            pair.transport.describe(&mut m);
            sdp.push_media(m);
            locals.push(end);
        }
        Ok(PendingOffer { sdp, locals })
    }
}

pub(crate) fn ranges(types: &[mime::Mime]) -> Vec<MediaRange> {
    types
        .iter()
        .filter_map(|t| MediaRange::parse(t.essence_str()))
        .collect()
}

pub(crate) fn new_description(host: &str) -> SessionDescription {
    let conn = connection_for(host);
    let id = rand::random::<u32>() as u64;
    let mut sdp = SessionDescription::new(Origin::new("-", id, conn.clone()), "-");
    sdp.set_connection(conn);
    sdp
}

pub(crate) fn connection_for(host: &str) -> Connection {
    match literal_ip(host) {
        Some(ip) => Connection::from_ip(ip),
        None => Connection::ip4(host),
    }
}

/// The IP of `host` when it is an address literal (IPv6 with or without brackets).
pub(crate) fn literal_ip(host: &str) -> Option<std::net::IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}
