//! Connection sharing: one reader and one writer task per connection, frames demultiplexed by
//! session identity to per-session bounded queues.

mod connection;
mod ledger;
mod reader;
mod writer;

pub(crate) use reader::{ReadLimits, read_loop};
pub(crate) use writer::write_loop;

pub use connection::ConnectionStats;
pub(crate) use connection::{Inbound as InboundItem, Shared};
pub(crate) use ledger::SendLedger;
pub(crate) use writer::WriteCmd;
