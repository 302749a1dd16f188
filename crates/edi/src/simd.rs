//! Byte classification for the structural index: up to 64 bytes at a time into bit masks.
//!
//! The tokenizer asks where the terminator and line breaks are in each 64-byte block of its
//! buffer ([`structural`]); the guide checker asks where the element separators are in a segment
//! and whether it holds any component, repetition or release character ([`separators`]). Bit `i`
//! of a mask describes byte `i`. On x86_64 the bytes are compared sixteen at a time with SSE2 (part
//! of the x86_64 baseline, so no runtime detection is needed); elsewhere a scalar loop gives the
//! same masks. The tests compare both with a byte-by-byte definition on random inputs.

/// Bits of the bytes of `bytes` (at most 64) that equal `term` or are at most 0x0D: the terminator
/// and the line breaks `\r` and `\n`. Other control characters (tab, NUL…) are set too; the
/// tokenizer looks at the byte and skips them, so a superset is enough and costs one comparison less.
#[inline]
pub(crate) fn structural(bytes: &[u8], term: u8) -> u64 {
    debug_assert!(bytes.len() <= 64);
    #[cfg(target_arch = "x86_64")]
    {
        sse2::structural(bytes, term)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar_structural(bytes, term)
    }
}

/// For `bytes` (at most 64): the bits of the bytes equal to `sep`, and whether any byte equals one
/// of `special`.
#[inline]
pub(crate) fn separators(bytes: &[u8], sep: u8, special: [u8; 3]) -> (u64, bool) {
    debug_assert!(bytes.len() <= 64);
    #[cfg(target_arch = "x86_64")]
    {
        sse2::separators(bytes, sep, special)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar_separators(bytes, sep, special)
    }
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_structural(bytes: &[u8], term: u8) -> u64 {
    bytes.iter().enumerate().filter(|(_, b)| **b == term || **b <= 0x0D).fold(0, |m, (i, _)| m | 1 << i)
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_separators(bytes: &[u8], sep: u8, special: [u8; 3]) -> (u64, bool) {
    let mask = bytes.iter().enumerate().filter(|(_, b)| **b == sep).fold(0, |m, (i, _)| m | 1 << i);
    (mask, bytes.iter().any(|b| special.contains(b)))
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};

    /// Runs `piece` over `bytes` (at most 64) sixteen bytes at a time and assembles the two 16-bit
    /// masks it returns per piece into 64-bit masks. A tail shorter than sixteen bytes is read with
    /// an overlapping load of the last sixteen bytes (or from a zeroed copy when `bytes` is shorter
    /// than that), and bits beyond `bytes` are never set.
    #[inline(always)]
    fn pieces(bytes: &[u8], piece: impl Fn(__m128i) -> (u32, u32)) -> (u64, u64) {
        let len = bytes.len();
        let (mut a, mut b) = (0u64, 0u64);
        let mut i = 0;
        while i + 16 <= len {
            // SAFETY: `i + 16 <= len`: the sixteen bytes read are inside `bytes`; `loadu` has no
            // alignment requirement.
            let v = unsafe { _mm_loadu_si128(bytes.as_ptr().add(i).cast::<__m128i>()) };
            let (x, y) = piece(v);
            a |= u64::from(x) << i;
            b |= u64::from(y) << i;
            i += 16;
        }
        if i < len {
            let rest = len - i;
            let (x, y) = if len >= 16 {
                // SAFETY: `len >= 16`: bytes `len - 16 .. len` are inside `bytes`. The last `rest`
                // of them are the tail; the others were classified above and are shifted out.
                let v = unsafe { _mm_loadu_si128(bytes.as_ptr().add(len - 16).cast::<__m128i>()) };
                let (x, y) = piece(v);
                (x >> (16 - rest), y >> (16 - rest))
            } else {
                let mut copy = [0u8; 16];
                copy[..len].copy_from_slice(bytes);
                // SAFETY: `copy` is sixteen bytes long.
                let v = unsafe { _mm_loadu_si128(copy.as_ptr().cast::<__m128i>()) };
                let (x, y) = piece(v);
                // The zero padding may match a needle: keep the bits of real bytes only.
                let keep = (1u32 << len) - 1;
                (x & keep, y & keep)
            };
            a |= u64::from(x) << i;
            b |= u64::from(y) << i;
        }
        (a, b)
    }

    #[inline]
    pub(super) fn structural(bytes: &[u8], term: u8) -> u64 {
        // SAFETY: these intrinsics only need SSE2, which every x86_64 CPU has (it is in the
        // x86_64 baseline the compiler targets); they touch no memory but through `loadu` below.
        unsafe {
            let t = _mm_set1_epi8(term as i8);
            let cr = _mm_set1_epi8(0x0D);
            let piece = |v: __m128i| {
                // Unsigned `min(v, 0x0D) == v` is `v <= 0x0D`.
                let low = _mm_cmpeq_epi8(_mm_min_epu8(v, cr), v);
                let hit = _mm_or_si128(_mm_cmpeq_epi8(v, t), low);
                u64::from(_mm_movemask_epi8(hit) as u32 & 0xFFFF)
            };
            if let Ok(block) = <&[u8; 64]>::try_from(bytes) {
                // The usual case, a whole block: four loads, no loop.
                // SAFETY: each load reads sixteen bytes of the 64 of `block`, unaligned loads allowed.
                let p = block.as_ptr();
                let a = piece(_mm_loadu_si128(p.cast::<__m128i>()));
                let b = piece(_mm_loadu_si128(p.add(16).cast::<__m128i>()));
                let c = piece(_mm_loadu_si128(p.add(32).cast::<__m128i>()));
                let d = piece(_mm_loadu_si128(p.add(48).cast::<__m128i>()));
                return a | b << 16 | c << 32 | d << 48;
            }
            pieces(bytes, |v| (piece(v) as u32, 0)).0
        }
    }

    #[inline]
    pub(super) fn separators(bytes: &[u8], sep: u8, special: [u8; 3]) -> (u64, bool) {
        // SAFETY: as in `structural`: SSE2 only, no memory access.
        unsafe {
            let s = _mm_set1_epi8(sep as i8);
            let (x, y, z) = (_mm_set1_epi8(special[0] as i8), _mm_set1_epi8(special[1] as i8), _mm_set1_epi8(special[2] as i8));
            let (mask, any) = pieces(bytes, |v| {
                let hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, x), _mm_cmpeq_epi8(v, y)), _mm_cmpeq_epi8(v, z));
                (_mm_movemask_epi8(_mm_cmpeq_epi8(v, s)) as u32 & 0xFFFF, _mm_movemask_epi8(hit) as u32 & 0xFFFF)
            });
            (mask, any != 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes that matter to the classifiers, and others, so random inputs hit every case.
    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            Just(b'~'),
            Just(b'*'),
            Just(b'>'),
            Just(b'^'),
            Just(b'?'),
            Just(b'\r'),
            Just(b'\n'),
            Just(0u8),
            Just(b'\t'),
            Just(0x0E),
            any::<u8>(),
            Just(b'A')
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn structural_masks_agree_with_the_definition(bytes in proptest::collection::vec(byte(), 0..=64), term in byte()) {
            prop_assert_eq!(structural(&bytes, term), scalar_structural(&bytes, term));
        }

        #[test]
        fn separator_masks_agree_with_the_definition(bytes in proptest::collection::vec(byte(), 0..=64), sep in byte(), a in byte(), b in byte(), c in byte()) {
            prop_assert_eq!(separators(&bytes, sep, [a, b, c]), scalar_separators(&bytes, sep, [a, b, c]));
        }
    }

    #[test]
    fn every_length_and_position() {
        for len in 0..=64 {
            for at in 0..len {
                let mut bytes = vec![b'A'; len];
                bytes[at] = b'~';
                assert_eq!(structural(&bytes, b'~'), 1 << at, "len {len} at {at}");
                assert_eq!(separators(&bytes, b'~', [b'x'; 3]), (1 << at, false), "len {len} at {at}");
                bytes[at] = 0;
                assert_eq!(structural(&bytes, b'~'), 1 << at);
                assert_eq!(separators(&bytes, b'~', [0, b'x', b'x']), (0, true));
            }
            // Zero padding of short inputs never shows up as a match.
            assert_eq!(structural(&vec![b'A'; len], 0), 0);
            assert_eq!(separators(&vec![b'A'; len], 0, [0; 3]), (0, false));
        }
    }
}
