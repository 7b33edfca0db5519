//! COMEDIA: who connects. Both dialects, pure functions over the offer's and answer's
//! attributes (RFC 4145 `a=setup`/`a=connection`, and the legacy `a=direction` of
//! draft-ietf-mmusic-sdp-comedia-04 §4). See DESIGN §5 and `docs/comedia.md`.

use imsession_sdp::{
    Attribute, ConnectionMode, LegacyDirection, LegacyRole, MediaDescription, SessionDescription,
    Setup,
};

/// Which COMEDIA attribute family a description uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dialect {
    /// RFC 4145 `a=setup` and `a=connection` (the default for our offers).
    #[default]
    Setup,
    /// Legacy `a=direction:active|passive|both` (draft-ietf-mmusic-sdp-comedia-04), as used by
    /// the founding message-session drafts.
    Direction,
}

/// What this side will do about the connection, once negotiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// We connect to the peer.
    Active,
    /// We accept the peer's connection.
    Passive,
    /// Legacy `direction:both` on both sides: each side connects and accepts
    /// (comedia-04 §4.3); the first connection to carry data carries the session.
    Both,
    /// `a=setup:holdconn`: no connection now.
    HoldConn,
}

/// Our preference when the peer lets us choose (an offer of `actpass` or `direction:both`),
/// and the value we offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SetupPreference {
    /// Offer `actpass`/`both`; when answering a choice, connect (the founding drafts' example).
    #[default]
    Either,
    /// Offer or choose `active`.
    Active,
    /// Offer or choose `passive`.
    Passive,
    /// Offer `holdconn` (RFC 4145 dialect only).
    HoldConn,
}

/// The COMEDIA attributes an m-line carries, read once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comedia {
    /// Which family, if any attribute is present.
    pub dialect: Option<Dialect>,
    /// `a=setup`, if present.
    pub setup: Option<Setup>,
    /// `a=connection`, if present.
    pub connection: Option<ConnectionMode>,
    /// `a=direction`, if present.
    pub direction: Option<LegacyDirection>,
}

impl Comedia {
    /// Reads the attributes of `media`, falling back to session-level ones (RFC 4145 §4,
    /// §5: `a=setup` and `a=connection` may be session- or media-level).
    pub fn read(session: &SessionDescription, media: &MediaDescription) -> Self {
        let setup = media.setup().or_else(|| {
            session.attributes().find_map(|a| match a {
                Attribute::Setup(s) => Some(*s),
                _ => None,
            })
        });
        let connection = media.connection_mode().or_else(|| {
            session.attributes().find_map(|a| match a {
                Attribute::Connection(c) => Some(*c),
                _ => None,
            })
        });
        let direction = media.direction().cloned().or_else(|| {
            session.attributes().find_map(|a| match a {
                Attribute::Direction(d) => Some(d.clone()),
                _ => None,
            })
        });
        let dialect = if setup.is_some() {
            Some(Dialect::Setup)
        } else if direction.is_some() {
            Some(Dialect::Direction)
        } else {
            None
        };
        Self {
            dialect,
            setup,
            connection,
            direction,
        }
    }

    /// The attribute as written, for error messages (`a=setup:actpass`, `no a=setup`).
    pub fn describe(&self) -> String {
        match (&self.setup, &self.direction) {
            (Some(s), _) => format!("a=setup:{s}"),
            (None, Some(d)) => format!("a={}", Attribute::Direction(d.clone())),
            (None, None) => "no setup attribute".to_owned(),
        }
    }

    /// The `a=connection` attribute as written, for error messages.
    pub fn describe_connection(&self) -> String {
        match self.connection {
            Some(c) => format!("a=connection:{c}"),
            None => "no a=connection (new)".to_owned(),
        }
    }
}

/// What an answer says about the connection, and what it means for the answerer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerComedia {
    /// The answerer's role.
    pub role: Role,
    /// Attributes to put in the answer's media section.
    pub attributes: Vec<Attribute>,
    /// New or existing connection.
    pub connection: ConnectionMode,
}

/// Resolves the answerer's role from the offer, answering in the offer's dialect.
///
/// RFC 4145 §4.1: `active`→`passive`, `passive`→`active`, `actpass`→our choice,
/// `holdconn`→`holdconn`. Legacy: `active`→`passive`, `passive`→`active`, `both`→our choice,
/// never `both`. No attribute: RFC 4145's default, the offer is `active`, so we answer
/// `passive`.
pub fn answer_role(offer: &Comedia, pref: SetupPreference) -> AnswerComedia {
    let connection = match offer.connection {
        Some(ConnectionMode::Existing) => ConnectionMode::Existing,
        _ => ConnectionMode::New,
    };
    let choose = |pref: SetupPreference| match pref {
        SetupPreference::Passive => Role::Passive,
        _ => Role::Active,
    };
    match offer.dialect {
        Some(Dialect::Direction) => {
            let role = match offer.direction.as_ref().map(|d| d.role) {
                Some(LegacyRole::Active) => Role::Passive,
                Some(LegacyRole::Passive) => Role::Active,
                _ => choose(pref),
            };
            let legacy = if role == Role::Active {
                LegacyRole::Active
            } else {
                LegacyRole::Passive
            };
            let attributes = vec![Attribute::Direction(LegacyDirection {
                role: legacy,
                address: None,
            })];
            AnswerComedia {
                role,
                attributes,
                connection: ConnectionMode::New,
            }
        }
        _ => {
            let role = match offer.setup {
                Some(Setup::Passive) => Role::Active,
                Some(Setup::ActPass) => choose(pref),
                Some(Setup::HoldConn) => Role::HoldConn,
                Some(Setup::Active) | None => Role::Passive,
            };
            let setup = match role {
                Role::Active => Setup::Active,
                Role::HoldConn => Setup::HoldConn,
                _ => Setup::Passive,
            };
            let mut attributes = vec![Attribute::Setup(setup)];
            if offer.connection.is_some() {
                attributes.push(Attribute::Connection(connection));
            }
            AnswerComedia {
                role,
                attributes,
                connection,
            }
        }
    }
}

/// The attributes we offer for `pref` in `dialect`.
pub fn offer_attributes(
    dialect: Dialect,
    pref: SetupPreference,
    connection: ConnectionMode,
) -> Vec<Attribute> {
    match dialect {
        Dialect::Setup => {
            let setup = match pref {
                SetupPreference::Either => Setup::ActPass,
                SetupPreference::Active => Setup::Active,
                SetupPreference::Passive => Setup::Passive,
                SetupPreference::HoldConn => Setup::HoldConn,
            };
            vec![Attribute::Setup(setup), Attribute::Connection(connection)]
        }
        Dialect::Direction => {
            let role = match pref {
                SetupPreference::Active => LegacyRole::Active,
                SetupPreference::Passive => LegacyRole::Passive,
                _ => LegacyRole::Both,
            };
            vec![Attribute::Direction(LegacyDirection {
                role,
                address: None,
            })]
        }
    }
}

/// Whether our role may be passive for what we offer (so a listener is needed).
pub fn offer_may_listen(pref: SetupPreference) -> bool {
    matches!(pref, SetupPreference::Either | SetupPreference::Passive)
}

/// Which part of an answer is not a legal reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IllegalPart {
    /// `a=setup` or `a=direction`.
    Role,
    /// `a=connection` (`existing` answering `new`, RFC 4145 §5.2).
    Connection,
}

/// The offerer's role from what it offered and what the answer says.
///
/// # Errors
/// Which part of the answer is not a legal reply (the caller reports both values).
pub fn complete_role(
    offered: &Comedia,
    answered: &Comedia,
) -> Result<(Role, ConnectionMode), IllegalPart> {
    let role = complete_role_only(offered, answered).ok_or(IllegalPart::Role)?;
    if offered.dialect == Some(Dialect::Direction) {
        return Ok((role, ConnectionMode::New));
    }
    let offered_mode = offered.connection.unwrap_or(ConnectionMode::New);
    let mode = match (offered_mode, answered.connection) {
        (ConnectionMode::New, Some(ConnectionMode::Existing)) => {
            return Err(IllegalPart::Connection);
        }
        (ConnectionMode::Existing, Some(ConnectionMode::Existing)) => ConnectionMode::Existing,
        _ => ConnectionMode::New,
    };
    Ok((role, mode))
}

fn complete_role_only(offered: &Comedia, answered: &Comedia) -> Option<Role> {
    match offered.dialect {
        Some(Dialect::Direction) => {
            let ours = offered
                .direction
                .as_ref()
                .map_or(LegacyRole::Both, |d| d.role);
            // An answer with no direction defaults to `both` (comedia-04 §4.3).
            let theirs = match (&answered.direction, answered.setup) {
                (Some(d), _) => d.role,
                (None, Some(_)) => return None,
                (None, None) => LegacyRole::Both,
            };
            let role = match (ours, theirs) {
                (LegacyRole::Both, LegacyRole::Both) => Role::Both,
                (LegacyRole::Both | LegacyRole::Passive, LegacyRole::Active) => Role::Passive,
                (LegacyRole::Both | LegacyRole::Active, LegacyRole::Passive) => Role::Active,
                (LegacyRole::Active, LegacyRole::Both) => Role::Active,
                (LegacyRole::Passive, LegacyRole::Both) => Role::Passive,
                _ => return None,
            };
            Some(role)
        }
        _ => {
            if answered.direction.is_some() && answered.setup.is_none() {
                return None;
            }
            let ours = offered.setup.unwrap_or(Setup::Active);
            // RFC 4145 §4.1: an answer without a=setup is `passive`.
            let theirs = answered.setup.unwrap_or(Setup::Passive);
            let role = match (ours, theirs) {
                (Setup::ActPass, Setup::Active) | (Setup::Passive, Setup::Active) => Role::Passive,
                (Setup::ActPass, Setup::Passive) | (Setup::Active, Setup::Passive) => Role::Active,
                (
                    Setup::ActPass | Setup::Active | Setup::Passive | Setup::HoldConn,
                    Setup::HoldConn,
                ) => Role::HoldConn,
                _ => return None,
            };
            Some(role)
        }
    }
}
