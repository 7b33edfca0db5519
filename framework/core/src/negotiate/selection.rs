//! The results of negotiation.

use std::sync::Arc;

use imsession_sdp::{ConnectionMode, SessionDescription};

use super::comedia::Role;
use crate::mechanism::SessionMechanism;
use crate::proto::ProtoToken;
use crate::session_end::SessionEnd;
use crate::transport::{Target, Transport};

/// One negotiated m-line: which plug-ins serve it, who connects, and both ends' parameters.
/// Hand it to [`crate::Endpoint::establish`].
#[derive(Clone)]
pub struct Selection {
    /// Index of the m-line, from 0.
    pub index: usize,
    /// The proto token, as the offer wrote it.
    pub proto: ProtoToken,
    /// What this side does about the connection.
    pub role: Role,
    /// New connection or reuse of an existing one.
    pub connection: ConnectionMode,
    /// Our end.
    pub local: SessionEnd,
    /// The peer's end.
    pub remote: SessionEnd,
    /// Where the peer is (from its `c=` and m-line) and its whole media section.
    pub target: Target,
    pub(crate) mechanism: Arc<dyn SessionMechanism>,
    pub(crate) transport: Arc<dyn Transport>,
    /// The endpoint's expected-session entry, once registered.
    pub(crate) expected: Option<u64>,
}

impl Selection {
    /// The mechanism serving this m-line.
    pub fn mechanism(&self) -> &Arc<dyn SessionMechanism> {
        &self.mechanism
    }

    /// The transport serving this m-line.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selection")
            .field("index", &self.index)
            .field("proto", &self.proto)
            .field("role", &self.role)
            .field("connection", &self.connection)
            .field("local", &self.local)
            .field("remote", &self.remote)
            .field("target", &self.target.to_string())
            .finish()
    }
}

/// An m-line the answer refused (port 0), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Index of the m-line, from 0.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// Our offer, kept until the answer arrives.
#[derive(Clone, Debug)]
pub struct PendingOffer {
    /// The description to send.
    pub sdp: SessionDescription,
    pub(crate) locals: Vec<SessionEnd>,
}

/// Our answer to an offer, with what it selected.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The description to send back.
    pub sdp: SessionDescription,
    /// The m-lines we accepted, in m-line order.
    pub selections: Vec<Selection>,
    /// The m-lines we refused with port 0.
    pub rejections: Vec<Rejection>,
}
