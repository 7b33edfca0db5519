//! Byte-level work on SCTP packets (RFC 4960 §3) that `sctp-proto` does not do for us:
//! removing address parameters from INIT and INIT ACK, making a SHUTDOWN's acknowledgement
//! count, reading the peer's stream counts, and building an ABORT.
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
/// Chunk type DATA.
const DATA: u8 = 0;
/// Chunk type SACK.
const SACK: u8 = 3;
/// Chunk type SHUTDOWN.
const SHUTDOWN: u8 = 7;
/// Length of a SHUTDOWN chunk: header and Cumulative TSN Ack.
const SHUTDOWN_LEN: usize = 8;
/// Length of a SACK chunk without gap blocks or duplicate TSNs.
const SACK_LEN: usize = 16;
/// The receiver window the SACK [`ack_shutdown`] adds advertises. A peer that sent SHUTDOWN
/// takes no new data (RFC 4960 §9.2), so the value only matters for retransmissions; it is
/// the window this transport itself offers.
const SHUTDOWN_SACK_WINDOW: u32 = crate::RECEIVE_BUFFER;
/// Length of the fixed part of INIT / INIT ACK after the chunk header.
const INIT_FIXED: usize = 16;
/// Parameter type IPv6 address.
const IPV6_ADDRESS: u16 = 6;
/// Parameter types removed from INIT / INIT ACK: IPv4 address, IPv6 address, host name.
const ADDRESS_PARAMS: [u16; 3] = [5, IPV6_ADDRESS, 11];

/// How many parameters [`strip_address_params`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    /// Address parameters of any kind.
    pub(crate) all: usize,
    /// IPv6 address parameters among them.
    pub(crate) ipv6: usize,
}

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

/// The destination port of a packet's SCTP common header (`packet` is at least
/// [`COMMON_HEADER`] bytes long).
pub(crate) fn destination_port(packet: &[u8]) -> u16 {
    u16::from_be_bytes([packet[2], packet[3]])
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
pub(crate) fn strip_address_params(packet: Bytes) -> (Bytes, Removed) {
    match first_chunk(&packet) {
        Some(INIT | INIT_ACK) if checksum_ok(&packet) => {}
        _ => return (packet, Removed::default()),
    }
    let chunk = &packet[COMMON_HEADER..];
    if chunk.len() < 4 + INIT_FIXED {
        return (packet, Removed::default());
    }
    let chunk_len = usize::from(u16::from_be_bytes([chunk[2], chunk[3]]));
    if chunk_len < 4 + INIT_FIXED || chunk_len > chunk.len() {
        return (packet, Removed::default());
    }
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut removed = Removed::default();
    let mut at = 4 + INIT_FIXED;
    while at + 4 <= chunk_len {
        let typ = u16::from_be_bytes([chunk[at], chunk[at + 1]]);
        let len = usize::from(u16::from_be_bytes([chunk[at + 2], chunk[at + 3]]));
        if len < 4 || at + len > chunk_len {
            return (packet, Removed::default());
        }
        if ADDRESS_PARAMS.contains(&typ) {
            removed.all += 1;
            removed.ipv6 += usize::from(typ == IPV6_ADDRESS);
        } else {
            kept.push(&chunk[at..at + len]);
        }
        at += padded(len);
    }
    if removed.all == 0 {
        return (packet, Removed::default());
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

/// Makes a SHUTDOWN's Cumulative TSN Ack count as an acknowledgement: puts a SACK with the
/// same cumulative TSN before each SHUTDOWN chunk and recomputes the checksum.
///
/// RFC 4960 §9.2: a SHUTDOWN acknowledges the DATA its sender received, and its sender sends
/// no SACK while it waits for the SHUTDOWN ACK (usrsctp relies on that: its last SACK is often
/// the SHUTDOWN). `sctp-proto` 0.10 ignores that field, so with data of ours in flight it
/// waited for a SACK that never came and the peer's shutdown hung. Returns the packet
/// unchanged when it has no SHUTDOWN chunk or is malformed (bad checksum, bad lengths), and
/// whether it added a SACK.
///
/// `plausible` vets the Cumulative TSN Ack against the TSNs we actually sent: `sctp-proto`
/// itself writes its *outbound* ack point into that field, a number from the wrong TSN space,
/// which taken as a SACK would acknowledge data never sent and fail the association.
pub(crate) fn ack_shutdown(packet: Bytes, plausible: impl Fn(u32) -> bool) -> (Bytes, bool) {
    let cum_tsn = |c: &[u8]| u32::from_be_bytes([c[4], c[5], c[6], c[7]]);
    let acks =
        |&(t, c): &(u8, &[u8])| t == SHUTDOWN && c.len() >= SHUTDOWN_LEN && plausible(cum_tsn(c));
    // Most packets have no SHUTDOWN: decided without allocating or checksumming.
    let mut walk = Chunks::new(&packet);
    if !walk.by_ref().any(|c| acks(&c)) || !checksum_ok(&packet) {
        return (packet, false);
    }
    let mut out = BytesMut::with_capacity(packet.len() + 2 * SACK_LEN);
    out.extend_from_slice(&packet[..COMMON_HEADER]);
    let mut walk = Chunks::new(&packet);
    for chunk in walk.by_ref() {
        if acks(&chunk) {
            out.put_u8(SACK);
            out.put_u8(0);
            out.put_u16(SACK_LEN as u16);
            out.extend_from_slice(&chunk.1[4..8]); // Cumulative TSN Ack
            out.put_u32(SHUTDOWN_SACK_WINDOW);
            out.put_u16(0); // gap ack blocks
            out.put_u16(0); // duplicate TSNs
        }
        out.extend_from_slice(chunk.1);
    }
    if walk.malformed {
        return (packet, false);
    }
    set_checksum(&mut out);
    (out.freeze(), true)
}

/// The chunks of a packet, each as (type, bytes with padding), in order; stops at the first
/// chunk whose length is impossible, and says so in `malformed`.
struct Chunks<'a> {
    packet: &'a [u8],
    at: usize,
    malformed: bool,
}

impl<'a> Chunks<'a> {
    fn new(packet: &'a [u8]) -> Self {
        Self {
            packet,
            at: COMMON_HEADER,
            malformed: false,
        }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (p, at) = (self.packet, self.at);
        if at + 4 > p.len() {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([p[at + 2], p[at + 3]]));
        if len < 4 || at + len > p.len() {
            self.malformed = true;
            return None;
        }
        self.at = at + padded(len);
        Some((p[at], &p[at..self.at.min(p.len())]))
    }
}

/// The verification tag of a packet's common header.
pub(crate) fn verification_tag(packet: &[u8]) -> Option<u32> {
    let h = packet.get(4..8)?;
    Some(u32::from_be_bytes([h[0], h[1], h[2], h[3]]))
}

/// The Initiate Tag of an INIT or INIT ACK: the tag its sender expects on packets to it.
pub(crate) fn initiate_tag(packet: &[u8]) -> Option<u32> {
    let t = first_chunk(packet)?;
    if t != INIT && t != INIT_ACK {
        return None;
    }
    let v = packet.get(COMMON_HEADER + 4..COMMON_HEADER + 8)?;
    Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]]))
}

/// Whether a packet carries an ABORT chunk.
pub(crate) fn has_abort(packet: &[u8]) -> bool {
    Chunks::new(packet).any(|(t, _)| t == ABORT)
}

/// The TSNs of the DATA chunks in a packet.
pub(crate) fn data_tsns(packet: &[u8]) -> impl Iterator<Item = u32> + '_ {
    Chunks::new(packet)
        .filter(|(t, c)| *t == DATA && c.len() >= 8)
        .map(|(_, c)| u32::from_be_bytes([c[4], c[5], c[6], c[7]]))
}

/// Whether `tsn` lies in `from..=to` in serial number arithmetic (RFC 1982).
pub(crate) fn tsn_within(tsn: u32, from: u32, to: u32) -> bool {
    tsn.wrapping_sub(from) <= to.wrapping_sub(from)
}

fn padded(len: usize) -> usize {
    (len + 3) & !3
}

/// What an ABORT for an association needs: the ports and the peer's verification tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The peer's SCTP port.
    pub(crate) peer_port: u16,
    /// Our SCTP port.
    pub(crate) our_port: u16,
    /// The peer's verification tag (the Initiate Tag of its INIT or INIT ACK).
    pub(crate) tag: u32,
}

impl Seen {
    /// Read from the peer's INIT or INIT ACK.
    pub(crate) fn of(packet: &[u8]) -> Option<Self> {
        let t = first_chunk(packet)?;
        if t != INIT && t != INIT_ACK {
            return None;
        }
        let h = packet.get(..COMMON_HEADER + 8)?;
        let tag = u32::from_be_bytes([h[16], h[17], h[18], h[19]]);
        Some(Self {
            peer_port: u16::from_be_bytes([h[0], h[1]]),
            our_port: u16::from_be_bytes([h[2], h[3]]),
            tag,
        })
    }

    /// An ABORT for this association, carrying the peer's tag with the T bit clear
    /// (RFC 4960 §8.5.1 (B), §3.3.7). `sctp-proto` has no call that sends one.
    pub(crate) fn abort(&self) -> Bytes {
        let mut p = BytesMut::with_capacity(COMMON_HEADER + 4);
        p.put_u16(self.our_port);
        p.put_u16(self.peer_port);
        p.put_u32(self.tag);
        p.put_u32(0);
        p.put_u8(ABORT);
        p.put_u8(0);
        p.put_u16(4);
        set_checksum(&mut p);
        p.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(typ: u16, value: &[u8]) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&typ.to_be_bytes());
        p.extend_from_slice(&u16::try_from(4 + value.len()).unwrap().to_be_bytes());
        p.extend_from_slice(value);
        p
    }

    /// An INIT (or INIT ACK) carrying `params`, with a valid checksum.
    fn init(chunk_type: u8, params: &[Vec<u8>]) -> Bytes {
        let mut body = Vec::new();
        body.extend_from_slice(&0x1234_5678u32.to_be_bytes()); // initiate tag
        body.extend_from_slice(&65_536u32.to_be_bytes()); // a_rwnd
        body.extend_from_slice(&10u16.to_be_bytes()); // outbound streams
        body.extend_from_slice(&2048u16.to_be_bytes()); // maximum inbound streams
        body.extend_from_slice(&1u32.to_be_bytes()); // initial TSN
        let mut len = 4 + body.len();
        for (i, p) in params.iter().enumerate() {
            body.extend_from_slice(p);
            let pad = (4 - p.len() % 4) % 4;
            len += p.len() + if i + 1 < params.len() { pad } else { 0 };
            body.extend(std::iter::repeat_n(0, pad));
        }
        let mut pkt = vec![0x13, 0x88, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0];
        pkt.push(chunk_type);
        pkt.push(0);
        pkt.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        pkt.extend_from_slice(&body);
        set_checksum(&mut pkt);
        Bytes::from(pkt)
    }

    fn ipv4() -> Vec<u8> {
        param(5, &[10, 254, 0, 1])
    }

    fn ipv6() -> Vec<u8> {
        param(6, &[0xfd, 0, 2, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    fn supported_types() -> Vec<u8> {
        // Odd length: padded between parameters, unpadded in the chunk length when last.
        param(12, &[0, 5, 0, 6, 0, 11])
    }

    fn forward_tsn() -> Vec<u8> {
        param(0xc000, &[])
    }

    #[test]
    fn address_parameters_are_removed_and_the_checksum_recomputed() {
        for chunk_type in [INIT, INIT_ACK] {
            let pkt = init(
                chunk_type,
                &[ipv4(), ipv6(), supported_types(), ipv6(), forward_tsn()],
            );
            let (out, removed) = strip_address_params(pkt);
            assert_eq!(removed, Removed { all: 3, ipv6: 2 });
            assert_eq!(out, init(chunk_type, &[supported_types(), forward_tsn()]));
            assert!(checksum_ok(&out));
        }
    }

    #[test]
    fn the_last_kept_parameter_keeps_its_unpadded_length() {
        let (out, removed) = strip_address_params(init(INIT, &[supported_types(), ipv6()]));
        assert_eq!(removed, Removed { all: 1, ipv6: 1 });
        assert_eq!(out, init(INIT, &[supported_types()]));
        assert_eq!(chunk_len_field(&out), 4 + 16 + 10);
        assert_eq!(out.len(), COMMON_HEADER + 4 + 16 + 12);
    }

    fn chunk_len_field(p: &[u8]) -> usize {
        usize::from(u16::from_be_bytes([
            p[COMMON_HEADER + 2],
            p[COMMON_HEADER + 3],
        ]))
    }

    #[test]
    fn other_packets_and_bad_checksums_are_left_alone() {
        let plain = init(INIT, &[supported_types()]);
        assert_eq!(
            strip_address_params(plain.clone()),
            (plain, Removed::default())
        );
        let mut corrupt = init(INIT, &[ipv6()]).to_vec();
        corrupt[8] ^= 1;
        let corrupt = Bytes::from(corrupt);
        assert_eq!(
            strip_address_params(corrupt.clone()),
            (corrupt, Removed::default())
        );
        let mut data = init(INIT, &[ipv4()]).to_vec();
        data[COMMON_HEADER] = 0; // a DATA chunk
        set_checksum(&mut data);
        let data = Bytes::from(data);
        assert_eq!(
            strip_address_params(data.clone()),
            (data, Removed::default())
        );
    }

    #[test]
    fn truncated_parameters_are_left_for_sctp_proto_to_reject() {
        let mut pkt = init(INIT, &[ipv6()]).to_vec();
        // Claim a parameter longer than the chunk.
        let at = COMMON_HEADER + 4 + 16 + 2;
        pkt[at..at + 2].copy_from_slice(&200u16.to_be_bytes());
        set_checksum(&mut pkt);
        let pkt = Bytes::from(pkt);
        assert_eq!(strip_address_params(pkt.clone()), (pkt, Removed::default()));
    }

    #[test]
    fn init_stream_counts() {
        assert_eq!(init_streams(&init(INIT_ACK, &[])), Some((10, 2048)));
        assert_eq!(init_streams(&seen().abort()), None);
    }

    fn seen() -> Seen {
        Seen {
            peer_port: 7,
            our_port: 5000,
            tag: 0xdead_beef,
        }
    }

    #[test]
    fn abort_carries_the_peers_tag() {
        let from_peer = init(INIT_ACK, &[]);
        let seen = Seen::of(&from_peer).unwrap();
        assert_eq!(
            seen,
            Seen {
                peer_port: 5000,
                our_port: 7,
                tag: 0x1234_5678
            }
        );
        let a = seen.abort();
        assert_eq!(&a[..8], &[0, 7, 0x13, 0x88, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(&a[COMMON_HEADER..], &[ABORT, 0, 0, 4]);
        assert!(checksum_ok(&a));
        assert_eq!(Seen::of(&a), None);
    }

    #[test]
    fn checksum_matches_rfc_4960_crc32c() {
        // The CRC32c check value of "123456789" is 0xE3069283 (RFC 3720 B.4 test vectors use
        // the same polynomial); the packet form zeroes bytes 8..12 before computing.
        let mut pkt = vec![0u8; 12];
        pkt.extend_from_slice(b"123456789");
        let direct = CRC32C.checksum(&pkt);
        assert_eq!(checksum(&pkt), direct);
        assert_eq!(CRC32C.checksum(b"123456789"), 0xE306_9283);
    }

    /// A packet of `chunks` (type, value) with a valid checksum.
    fn packet_of(chunks: &[(u8, Vec<u8>)]) -> Bytes {
        let mut pkt = vec![0x13, 0x88, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0];
        for (typ, value) in chunks {
            pkt.push(*typ);
            pkt.push(0);
            pkt.extend_from_slice(&u16::try_from(4 + value.len()).unwrap().to_be_bytes());
            pkt.extend_from_slice(value);
            pkt.extend(std::iter::repeat_n(0, padded(value.len()) - value.len()));
        }
        set_checksum(&mut pkt);
        Bytes::from(pkt)
    }

    #[test]
    fn a_shutdown_gets_a_sack_with_its_cumulative_tsn_before_it() {
        let cum = 0xdead_beefu32.to_be_bytes().to_vec();
        let data = (0u8, vec![0; 13]); // a DATA chunk bundled before, odd length
        let pkt = packet_of(&[data.clone(), (SHUTDOWN, cum.clone())]);
        let (out, added) = ack_shutdown(pkt.clone(), |c| c == 0xdead_beef);
        assert!(added);
        assert!(checksum_ok(&out));
        let mut sack = cum.clone();
        sack.extend_from_slice(&SHUTDOWN_SACK_WINDOW.to_be_bytes());
        sack.extend_from_slice(&[0; 4]);
        assert_eq!(out, packet_of(&[data, (SACK, sack), (SHUTDOWN, cum)]));
        // A cumulative TSN outside what we sent is not taken as an acknowledgement.
        assert_eq!(ack_shutdown(pkt.clone(), |_| false), (pkt, false));
    }

    #[test]
    fn tags_and_data_tsns_are_read() {
        let pkt = packet_of(&[
            (DATA, [&7u32.to_be_bytes()[..], &[0; 9]].concat()),
            (SACK, vec![0; 12]),
            (DATA, [&8u32.to_be_bytes()[..], &[0; 8]].concat()),
        ]);
        assert_eq!(data_tsns(&pkt).collect::<Vec<_>>(), [7, 8]);
        assert_eq!(verification_tag(&pkt), Some(1));
        assert_eq!(initiate_tag(&init(INIT_ACK, &[])), Some(0x1234_5678));
        assert_eq!(initiate_tag(&pkt), None);
        assert!(!has_abort(&pkt));
        assert!(has_abort(&packet_of(&[
            (SACK, vec![0; 12]),
            (ABORT, vec![])
        ])));
        assert!(tsn_within(5, u32::MAX - 2, 10) && !tsn_within(11, u32::MAX - 2, 10));
    }

    #[test]
    fn packets_without_a_sound_shutdown_pass_unchanged() {
        let plain = packet_of(&[(SACK, vec![0; 12])]);
        assert_eq!(ack_shutdown(plain.clone(), |_| true), (plain, false));
        let mut bad = packet_of(&[(SHUTDOWN, vec![0; 4])]).to_vec();
        bad[8] ^= 1;
        let bad = Bytes::from(bad);
        assert_eq!(
            ack_shutdown(bad.clone(), |_| true),
            (bad, false),
            "bad checksum"
        );
        let mut cut = packet_of(&[(SHUTDOWN, vec![0; 4])]).to_vec();
        cut[COMMON_HEADER + 3] = 40; // chunk length beyond the packet
        set_checksum(&mut cut);
        let cut = Bytes::from(cut);
        assert_eq!(
            ack_shutdown(cut.clone(), |_| true),
            (cut, false),
            "bad length"
        );
    }
}
