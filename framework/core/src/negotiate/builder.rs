//! [`NegotiatorBuilder`]: plug-ins are registered by value, no global registry.

use std::sync::Arc;

use super::Negotiator;
use crate::limits::Limits;
use crate::mechanism::SessionMechanism;
use crate::transport::Transport;

/// Registers mechanisms and transports for a [`Negotiator`].
///
/// Registering a second plug-in with the same name replaces the first.
#[derive(Default)]
pub struct NegotiatorBuilder {
    mechanisms: Vec<Arc<dyn SessionMechanism>>,
    transports: Vec<Arc<dyn Transport>>,
    limits: Limits,
}

impl NegotiatorBuilder {
    /// Registers a mechanism.
    pub fn mechanism(self, mechanism: impl SessionMechanism) -> Self {
        self.mechanism_arc(Arc::new(mechanism))
    }

    /// Registers a shared mechanism.
    pub fn mechanism_arc(mut self, mechanism: Arc<dyn SessionMechanism>) -> Self {
        self.mechanisms
            .retain(|m| !m.name().eq_ignore_ascii_case(mechanism.name()));
        self.mechanisms.push(mechanism);
        self
    }

    /// Registers a transport.
    pub fn transport(self, transport: impl Transport) -> Self {
        self.transport_arc(Arc::new(transport))
    }

    /// Registers a shared transport.
    pub fn transport_arc(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transports
            .retain(|t| !t.name().eq_ignore_ascii_case(transport.name()));
        self.transports.push(transport);
        self
    }

    /// Sets the limits for sessions (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Finishes.
    pub fn build(self) -> Negotiator {
        Negotiator {
            pairs: super::pairs(&self.mechanisms, &self.transports),
            transports: self.transports,
            limits: self.limits,
        }
    }
}
