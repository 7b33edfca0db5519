//! Answering an offer, and completing our offer with the peer's answer.

use imsession_sdp::{Attribute, Line, MediaDescription, SessionDescription};

use super::comedia::{Comedia, IllegalPart, Role, answer_role, complete_role};
use super::offer::{new_description, ranges};
use super::options::{AnswerOptions, LocalAddress};
use super::{ACTIVE_PORT, Answer, Negotiator, Pair, PendingOffer, Rejection, Selection};
use crate::error::NegotiationError;
use crate::session_end::SessionEnd;
use crate::transport::Target;

/// Media type of every message session m-line (im-sessions-00 §4.1).
pub const MESSAGE_MEDIA: &str = "message";

impl Negotiator {
    /// Answers `offer` (RFC 3264): one m-line per offered m-line, in order, proto echoed.
    /// An m-line we cannot serve (not `message`, unknown proto, port 0, missing or malformed
    /// mechanism attributes, no `c=`) is refused with port 0 and listed in
    /// [`Answer::rejections`]; the others are negotiated. COMEDIA is answered in the offer's
    /// dialect.
    ///
    /// # Errors
    /// None today beyond what the types prevent; the `Result` leaves room for limits.
    pub fn answer(
        &self,
        offer: &SessionDescription,
        opts: &AnswerOptions,
        local: &LocalAddress,
    ) -> Result<Answer, NegotiationError> {
        let mut sdp = new_description(&local.host);
        copy_timing(offer, &mut sdp);
        let mut selections = Vec::new();
        let mut rejections = Vec::new();
        for (index, offered) in offer.media().iter().enumerate() {
            match self.answer_one(offer, index, offered, opts, local) {
                Ok((media, selection)) => {
                    sdp.push_media(media);
                    selections.push(selection);
                }
                Err(reason) => {
                    let mut refused = MediaDescription::new(
                        offered.media.clone(),
                        0,
                        offered.proto.clone(),
                        offered.formats.clone(),
                    );
                    refused.port_count = None;
                    sdp.push_media(refused);
                    rejections.push(Rejection { index, reason });
                }
            }
        }
        Ok(Answer {
            sdp,
            selections,
            rejections,
        })
    }

    fn answer_one(
        &self,
        offer: &SessionDescription,
        index: usize,
        offered: &MediaDescription,
        opts: &AnswerOptions,
        local: &LocalAddress,
    ) -> Result<(MediaDescription, Selection), String> {
        if !offered.media.eq_ignore_ascii_case(MESSAGE_MEDIA) {
            return Err(format!(
                "media {:?} is not a message session",
                offered.media
            ));
        }
        if offered.port == 0 {
            return Err("refused by the offerer (port 0)".to_owned());
        }
        let pair = self
            .pair_for(&offered.proto)
            .ok_or_else(|| format!("no mechanism and transport serve proto {:?}", offered.proto))?;
        let remote = pair
            .mechanism
            .read_remote(offered)
            .map_err(|e| reason_of(&e))?;
        let host = remote_host(offer, offered)
            .ok_or_else(|| "no c= line at media or session level".to_owned())?;
        let comedia = answer_role(&Comedia::read(offer, offered), opts.setup);
        let port = match comedia.role {
            Role::Passive | Role::Both => {
                local.port_for(pair.transport.name()).ok_or_else(|| {
                    format!("no listening port for transport {}", pair.transport.name())
                })?
            }
            Role::Active | Role::HoldConn => ACTIVE_PORT,
        };
        let end = SessionEnd {
            uri: pair.mechanism.new_uri(&local.host),
            accepts: ranges(&opts.accept),
            max_size: Some(self.limits.max_message as u64),
        };
        let mut media =
            MediaDescription::new(MESSAGE_MEDIA, port, offered.proto.clone(), Vec::new());
        pair.mechanism.describe(&end, &mut media);
        for a in comedia.attributes {
            media.push_attribute(a);
        }
        pair.transport.describe(&mut media);
        let selection = selection(
            pair,
            index,
            &offered.proto,
            comedia.role,
            comedia.connection,
            end,
            remote,
            Target {
                host,
                port: offered.port,
                media: target_media(offer, offered),
            },
        )
        .map_err(|e| reason_of(&e))?;
        Ok((media, selection))
    }

    /// Completes our offer with the peer's answer: checks the m-line count, each m-line's media
    /// and proto, and that the answer's COMEDIA attributes are a legal reply to ours; reads
    /// the peer's end. m-lines the answer refused (port 0) are left out.
    ///
    /// # Errors
    /// [`NegotiationError::MediaCount`], [`NegotiationError::ProtoChanged`],
    /// [`NegotiationError::IllegalSetup`], [`NegotiationError::BadMedia`],
    /// [`NegotiationError::NoConnectionAddress`], or [`NegotiationError::AllRejected`].
    pub fn complete(
        &self,
        pending: &PendingOffer,
        answer: &SessionDescription,
    ) -> Result<Vec<Selection>, NegotiationError> {
        let offered = pending.sdp.media();
        if offered.len() != answer.media().len() {
            return Err(NegotiationError::MediaCount {
                offer: offered.len(),
                answer: answer.media().len(),
            });
        }
        let mut out = Vec::new();
        for (index, (ours, theirs)) in offered.iter().zip(answer.media()).enumerate() {
            if !ours.media.eq_ignore_ascii_case(&theirs.media)
                || !ours.proto.eq_ignore_ascii_case(&theirs.proto)
            {
                return Err(NegotiationError::ProtoChanged {
                    index,
                    offer: format!("{} {}", ours.media, ours.proto),
                    answer: format!("{} {}", theirs.media, theirs.proto),
                });
            }
            if theirs.port == 0 {
                continue;
            }
            let pair = self
                .pair_for(&ours.proto)
                .ok_or_else(|| NegotiationError::UnsupportedProto(ours.proto.clone()))?;
            let (ours_c, theirs_c) = (
                Comedia::read(&pending.sdp, ours),
                Comedia::read(answer, theirs),
            );
            let (role, connection) =
                complete_role(&ours_c, &theirs_c).map_err(|part| match part {
                    IllegalPart::Role => NegotiationError::IllegalSetup {
                        index,
                        offer: ours_c.describe(),
                        answer: theirs_c.describe(),
                    },
                    IllegalPart::Connection => NegotiationError::IllegalSetup {
                        index,
                        offer: ours_c.describe_connection(),
                        answer: theirs_c.describe_connection(),
                    },
                })?;
            let remote = pair
                .mechanism
                .read_remote(theirs)
                .map_err(|e| with_index(e, index))?;
            let host = remote_host(answer, theirs)
                .ok_or(NegotiationError::NoConnectionAddress { index })?;
            let local = pending.locals[index].clone();
            let target = Target {
                host,
                port: theirs.port,
                media: target_media(answer, theirs),
            };
            out.push(selection(
                pair,
                index,
                &ours.proto,
                role,
                connection,
                local,
                remote,
                target,
            )?);
        }
        if out.is_empty() {
            return Err(NegotiationError::AllRejected);
        }
        Ok(out)
    }
}

#[allow(clippy::too_many_arguments)]
fn selection(
    pair: &Pair,
    index: usize,
    proto: &str,
    role: Role,
    connection: imsession_sdp::ConnectionMode,
    local: SessionEnd,
    remote: SessionEnd,
    target: Target,
) -> Result<Selection, NegotiationError> {
    Ok(Selection {
        index,
        proto: crate::ProtoToken::parse(proto)?,
        role,
        connection,
        local,
        remote,
        target,
        mechanism: pair.mechanism.clone(),
        transport: pair.transport.clone(),
        expected: None,
    })
}

/// RFC 3264 §6: the answer's `t=` (and its `r=`, `z=`) equal the offer's.
fn copy_timing(offer: &SessionDescription, answer: &mut SessionDescription) {
    let is_timing = |l: &Line| matches!(l, Line::Timing(_) | Line::Repeat(_) | Line::Zone(_));
    if !offer.lines().iter().any(|l| matches!(l, Line::Timing(_))) {
        return;
    }
    answer.retain_lines(|l| !is_timing(l));
    for line in offer.lines().iter().filter(|l| is_timing(l)) {
        answer.push_line(line.clone());
    }
}

fn remote_host(sdp: &SessionDescription, media: &MediaDescription) -> Option<String> {
    media
        .connection()
        .or_else(|| sdp.connection())
        .map(|c| c.host().to_owned())
}

/// The peer's media section as a transport reads it: with the session-level `a=fingerprint`
/// lines appended when the section has none of its own (RFC 8122 §5: a media-level
/// fingerprint overrides the session-level ones).
fn target_media(sdp: &SessionDescription, media: &MediaDescription) -> MediaDescription {
    let mut media = media.clone();
    if media.fingerprints().next().is_none() {
        for a in sdp.attributes() {
            if matches!(a, Attribute::Fingerprint(_)) {
                media.push_attribute(a.clone());
            }
        }
    }
    media
}

fn with_index(e: NegotiationError, index: usize) -> NegotiationError {
    match e {
        NegotiationError::BadMedia { reason, .. } => NegotiationError::BadMedia { index, reason },
        other => other,
    }
}

fn reason_of(e: &NegotiationError) -> String {
    match e {
        NegotiationError::BadMedia { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}
