//! Byte-level work on SCTP packets (RFC 4960 §3) that `sctp-proto` does not do for us:
//! removing address parameters from INIT and INIT ACK, reading the peer's stream counts, and
//! building an ABORT.
//!
//! `sctp-proto` 0.10 treats the IPv4 and IPv6 address parameters (types 5 and 6) that a
//! multi-homed peer lists in INIT / INIT ACK as unknown parameters whose high bits say "stop
//! processing", and drops the whole chunk. This transport is single-homed (one UDP path per
//! association), so those parameters carry nothing it would use: they are removed before the
//! packet reaches `sctp-proto`, and the CRC32c checksum is recomputed. See `docs/sctp.md`.

use bytes::{BufMut, Bytes, BytesMut};
use crc::{CRC_32_ISCSI, Crc};

const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);

/// Length of the SCTP common header.
pub(crate) const COMMON_HEADER: usize = 12;
/// Chunk type INIT.
pub(crate) const INIT: u8 = 1;
/// Chunk type INIT ACK.
pub(crate) const INIT_ACK: u8 = 2;
/// Chunk type SHUTDOWN COMPLETE.
pub(crate) const SHUTDOWN_COMPLETE: u8 = 14;
/// Chunk type ABORT.
const ABORT: u8 = 6;
/// Length of the fixed part of INIT / INIT ACK after the chunk header.
const INIT_FIXED: usize = 16;
/// Parameter types removed from INIT / INIT ACK: IPv4 address, IPv6 address, host name.
const ADDRESS_PARAMS: [u16; 3] = [5, 6, 11];

/// The CRC32c checksum of `packet` as SCTP computes it (checksum field taken as zero).
pub(crate) fn checksum(packet: &[u8]) -> u32 {
    let mut digest = CRC32C.digest();
    digest.update(&packet[..8]);
    digest.update(&[0; 4]);
    digest.update(&packet[COMMON_HEADER..]);
    digest.finalize()
}

fn checksum_ok(packet: &[u8]) -> bool {
    let stored = u32::from_le_bytes([packet[8], packet[9], packet[10], packet[11]]);
    stored == checksum(packet)
}

fn set_checksum(packet: &mut [u8]) {
    let sum = checksum(packet).to_le_bytes();
    packet[8..12].copy_from_slice(&sum);
}

/// The type of the first chunk, if the packet has one.
pub(crate) fn first_chunk(packet: &[u8]) -> Option<u8> {
    packet.get(COMMON_HEADER).copied()
}

/// What an INIT or INIT ACK says about streams: (outbound streams, maximum inbound streams).
pub(crate) fn init_streams(packet: &[u8]) -> Option<(u16, u16)> {
    let t = first_chunk(packet)?;
    if t != INIT && t != INIT_ACK {
        return None;
    }
    let v = packet.get(COMMON_HEADER + 4..COMMON_HEADER + 4 + INIT_FIXED)?;
    Some((
        u16::from_be_bytes([v[8], v[9]]),
        u16::from_be_bytes([v[10], v[11]]),
    ))
}

/// Removes address parameters from an INIT or INIT ACK (alone in its packet, as RFC 4960
/// §6.10 requires) and recomputes the checksum. Returns the packet (unchanged when there was
/// nothing to remove, or it is not a well-formed INIT / INIT ACK with a valid checksum) and how
/// many parameters were removed.
pub(crate) fn strip_address_params(packet: Bytes) -> (Bytes, usize) {
    match first_chunk(&packet) {
        Some(INIT | INIT_ACK) if checksum_ok(&packet) => {}
        _ => return (packet, 0),
    }
    let chunk = &packet[COMMON_HEADER..];
    if chunk.len() < 4 + INIT_FIXED {
        return (packet, 0);
    }
    let chunk_len = usize::from(u16::from_be_bytes([chunk[2], chunk[3]]));
    if chunk_len < 4 + INIT_FIXED || chunk_len > chunk.len() {
        return (packet, 0);
    }
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut removed = 0;
    let mut at = 4 + INIT_FIXED;
    while at + 4 <= chunk_len {
        let typ = u16::from_be_bytes([chunk[at], chunk[at + 1]]);
        let len = usize::from(u16::from_be_bytes([chunk[at + 2], chunk[at + 3]]));
        if len < 4 || at + len > chunk_len {
            return (packet, 0);
        }
        if ADDRESS_PARAMS.contains(&typ) {
            removed += 1;
        } else {
            kept.push(&chunk[at..at + len]);
        }
        at += padded(len);
    }
    if removed == 0 {
        return (packet, 0);
    }
    let mut out = BytesMut::with_capacity(packet.len());
    out.extend_from_slice(&packet[..COMMON_HEADER + 4 + INIT_FIXED]);
    let mut new_len = 4 + INIT_FIXED;
    for (i, param) in kept.iter().enumerate() {
        out.extend_from_slice(param);
        out.put_bytes(0, padded(param.len()) - param.len());
        // The chunk length counts the padding between parameters, not after the last one.
        new_len += if i + 1 == kept.len() {
            param.len()
        } else {
            padded(param.len())
        };
    }
    let len_field = u16::try_from(new_len).expect("shorter than the original chunk");
    out[COMMON_HEADER + 2..COMMON_HEADER + 4].copy_from_slice(&len_field.to_be_bytes());
    // Anything bundled after the chunk (RFC 4960 forbids it) is kept as it was.
    let after = COMMON_HEADER + padded(chunk_len);
    if after < packet.len() {
        out.extend_from_slice(&packet[after..]);
    }
    set_checksum(&mut out);
    (out.freeze(), removed)
}

fn padded(len: usize) -> usize {
    (len + 3) & !3
}

/// The addressing of packets we receive on an association: enough to build an ABORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The peer's SCTP port.
    pub(crate) peer_port: u16,
    /// Our SCTP port.
    pub(crate) our_port: u16,
    /// The verification tag the peer puts in its packets (our tag).
    pub(crate) tag: u32,
}

impl Seen {
    /// The addressing of `packet`, if it carries a verification tag.
    pub(crate) fn of(packet: &[u8]) -> Option<Self> {
        let h = packet.get(..COMMON_HEADER)?;
        let tag = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        (tag != 0).then(|| Self {
            peer_port: u16::from_be_bytes([h[0], h[1]]),
            our_port: u16::from_be_bytes([h[2], h[3]]),
            tag,
        })
    }

    /// An ABORT for this association. It reflects the tag the peer sent us with the T bit
    /// set (RFC 4960 §8.5.1 (B), §3.3.7), since `sctp-proto` does not expose the peer's tag.
    pub(crate) fn abort(&self) -> Bytes {
        let mut p = BytesMut::with_capacity(COMMON_HEADER + 4);
        p.put_u16(self.our_port);
        p.put_u16(self.peer_port);
        p.put_u32(self.tag);
        p.put_u32(0);
        p.put_u8(ABORT);
        p.put_u8(1); // T bit: the tag is reflected.
        p.put_u16(4);
        set_checksum(&mut p);
        p.freeze()
    }
}
