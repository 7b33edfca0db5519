//! Connection sharing: one reader and one writer task per connection, frames demultiplexed by
//! session identity to per-session bounded queues.

mod connection;
mod lanes;
mod ledger;
mod reader;
mod substream_reader;
mod writer;

pub(crate) use lanes::{Lanes, write_substreams};
pub(crate) use reader::{ReadLimits, read_loop};
pub(crate) use substream_reader::read_substreams;
pub(crate) use writer::write_loop;

pub use connection::ConnectionStats;
pub(crate) use connection::{Inbound as InboundItem, Shared};
pub(crate) use ledger::SendLedger;
pub(crate) use writer::WriteCmd;
