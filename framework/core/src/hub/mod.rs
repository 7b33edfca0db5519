//! Connection sharing: one reader and one writer task per connection, frames demultiplexed by
//! session identity to per-session bounded queues.

mod connection;
mod lanes;
mod reader;
mod writer;

pub(crate) use lanes::{Lanes, read_substreams, write_substreams};
pub(crate) use reader::read_loop;
pub(crate) use writer::write_loop;

pub use connection::ConnectionStats;
pub(crate) use connection::{Inbound as InboundItem, Shared};
pub(crate) use writer::WriteCmd;
