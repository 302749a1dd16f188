//! Byte classification for the structural index: up to 64 bytes at a time into bit masks.
//!
//! The tokenizer asks where the terminator and line breaks are in each 64-byte block of its
//! buffer ([`structural`]); the guide checker asks where the element separators are in a segment
//! and whether it holds any component, repetition or release character ([`separators`]), and, for
//! its table-driven path, which bytes of a segment of up to 128 bytes are separators, digits,
//! decimal marks, minus signs or anything unusual ([`classify`]). Bit `i` of a mask describes byte
//! `i`. On x86_64 the bytes are compared sixteen at a time with SSE2 (part of the x86_64 baseline,
//! so no runtime detection is needed), and a whole 64-byte block thirty-two at a time with AVX2 when
//! the CPU has it (detected at run time; the answer is cached by the standard library); elsewhere a
//! scalar loop gives the same masks. The tests compare every path with a byte-by-byte definition on
//! random inputs.

/// Bits of the bytes of `bytes` (at most 64) that equal `term` or are at most 0x0D: the terminator
/// and the line breaks `\r` and `\n`. Other control characters (tab, NUL…) are set too; the
/// tokenizer looks at the byte and skips them, so a superset is enough and costs one comparison less.
#[inline]
pub(crate) fn structural(bytes: &[u8], term: u8) -> u64 {
    debug_assert!(bytes.len() <= 64);
    #[cfg(target_arch = "x86_64")]
    {
        if let Ok(block) = <&[u8; 64]>::try_from(bytes)
            && std::arch::is_x86_feature_detected!("avx2")
        {
            // SAFETY: the CPU has AVX2 (just checked).
            return unsafe { avx2::structural(block, term) };
        }
        sse2::structural(bytes, term)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar_structural(bytes, term)
    }
}

/// For a whole 64-byte block, the masks [`crate::tokenizer`]'s bulk skip reads: the terminator
/// `term`; the bytes that stop it (at most 0x0D — line breaks, other control characters — and the
/// release character `release`, when there is one); and the bytes a segment must not start with for
/// it (`I`, `U`, `G`, `S`: an envelope tag may follow; a space: layout).
/// (Used by the tests; the scans call the classifiers directly, compiled into their loops.)
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn body_block(block: &[u8; 64], term: u8, release: Option<u8>) -> BodyBlock {
    // Without a release character, NUL stands in for it: NUL stops the skip anyway.
    let release = release.unwrap_or(0);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (just checked).
            return unsafe { avx2::body_block(block, term, release) };
        }
        sse2::body_block(block, term, release)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar_body_block(block, term, release)
    }
}

/// Whether the CPU has AVX2 and the bit-manipulation instructions that come with it (BMI1, BMI2,
/// POPCNT, LZCNT), for code compiled for all of them. Detected once; the standard library
/// caches the answer.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn wide() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("avx2") && has!("bmi1") && has!("bmi2") && has!("popcnt") && has!("lzcnt")
}

/// A loop over whole blocks, given the classifiers to call on each: [`body_block`] for the first,
/// [`scalar_body_run`] for those after it, one ([`Runs::one`]) or two ([`Runs::two`]) at a time.
pub(crate) trait BlockScan {
    type Output;
    fn scan(self, classify: impl Fn(&[u8; 64]) -> BodyBlock, runs: impl Runs) -> Self::Output;
}

/// [`scalar_body_run`] of one block, or of two blocks in a row.
pub(crate) trait Runs {
    /// For `window[1..]`: its terminators, and whether the skip stops in it.
    fn one(&self, window: &[u8; 65]) -> (u64, bool);
    /// For the two blocks `window[1..65]` and `window[65..]`: the terminators of each, and
    /// whether the skip stops in either (one test for both).
    fn two(&self, window: &[u8; 129]) -> (u64, u64, bool);
}

/// [`Runs`] from a function for one block, called on each of two.
struct Each<F>(F);

impl<F: Fn(&[u8; 65]) -> (u64, bool)> Runs for Each<F> {
    #[inline(always)]
    fn one(&self, window: &[u8; 65]) -> (u64, bool) {
        (self.0)(window)
    }

    #[inline(always)]
    fn two(&self, window: &[u8; 129]) -> (u64, u64, bool) {
        let (Some(first), Some(second)) = (window.first_chunk::<65>(), window.last_chunk::<65>()) else { return (0, 0, true) };
        let ((a, stop_a), (b, stop_b)) = ((self.0)(first), (self.0)(second));
        (a, b, stop_a || stop_b)
    }
}

/// For the 64-byte block `window[1..]` (`window[0]`: the byte before it), what the bulk skip
/// needs once it is past its first block: the terminators, and whether the skip stops in this
/// block — a byte that stops it ([`BodyBlock::stop`]) or a suspect byte ([`BodyBlock::suspect`])
/// where a segment starts, after a terminator (the one before the block included).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_body_run(window: &[u8; 65], term: u8, release: u8) -> (u64, bool) {
    let (before, block) = window.split_first_chunk::<1>().map_or((0, [0; 64]), |(b, rest)| (b[0], rest.try_into().unwrap_or([0; 64])));
    let masks = scalar_body_block(&block, term, release);
    let starts = masks.term << 1 | u64::from(before == term);
    (masks.term, masks.stop != 0 || masks.suspect & starts != 0)
}

/// Runs `scan` with [`body_block`]'s classifier for `term` and `release`. With AVX2 (and POPCNT,
/// LZCNT), the whole loop is compiled for them, so the classifier is inlined into it and its
/// constants are set up once, not at every block.
#[inline]
pub(crate) fn scan_blocks<S: BlockScan>(term: u8, release: Option<u8>, scan: S) -> S::Output {
    let release = release.unwrap_or(0);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") && std::arch::is_x86_feature_detected!("lzcnt") {
            // SAFETY: the CPU has AVX2, POPCNT and LZCNT (just checked).
            return unsafe { avx2::scan_blocks(term, release, scan) };
        }
        scan.scan(|block| sse2::body_block(block, term, release), Each(|window: &[u8; 65]| sse2::body_run(window, term, release)))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scan.scan(|block| scalar_body_block(block, term, release), Each(|window: &[u8; 65]| scalar_body_run(window, term, release)))
    }
}

/// What [`body_block`] returns (bit `i` for byte `i` of the block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyBlock {
    pub term: u64,
    pub stop: u64,
    pub suspect: u64,
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_body_block(block: &[u8; 64], term: u8, release: u8) -> BodyBlock {
    let bits = |f: &dyn Fn(u8) -> bool| block.iter().enumerate().filter(|(_, b)| f(**b)).fold(0u64, |m, (i, _)| m | 1 << i);
    BodyBlock { term: bits(&|b| b == term), stop: bits(&|b| b <= 0x0D || b == release), suspect: bits(&|b| matches!(b, b'I' | b'U' | b'G' | b'S' | b' ')) }
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

/// Bit masks of the bytes of one segment of at most 128 bytes (bit `i` for byte `i`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Classes {
    /// The element separator.
    pub sep: u128,
    /// `0`–`9`.
    pub digit: u128,
    pub dot: u128,
    /// Anything a value check must look at byte by byte: bytes outside printable ASCII (below
    /// 0x20, 0x7F and above) and the `special` bytes (component, repetition, release characters).
    pub odd: u128,
}

/// The [`Classes`] of `bytes` (at most 128).
#[inline]
pub(crate) fn classify(bytes: &[u8], sep: u8, special: [u8; 3]) -> Classes {
    debug_assert!(bytes.len() <= 128);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (just checked).
            return unsafe { avx2::classify(bytes, sep, special) };
        }
        sse2::classify(bytes, sep, special)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar_classify(bytes, sep, special)
    }
}

/// [`classify`] without asking the CPU, for a caller that knows it has AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) unsafe fn classify_avx2(bytes: &[u8], sep: u8, special: [u8; 3]) -> Classes {
    debug_assert!(bytes.len() <= 128);
    // SAFETY: the caller's CPU has AVX2.
    unsafe { avx2::classify(bytes, sep, special) }
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_classify(bytes: &[u8], sep: u8, special: [u8; 3]) -> Classes {
    let bits = |f: &dyn Fn(u8) -> bool| bytes.iter().enumerate().filter(|(_, b)| f(**b)).fold(0u128, |m, (i, _)| m | 1 << i);
    Classes {
        sep: bits(&|b| b == sep),
        digit: bits(&|b| b.is_ascii_digit()),
        dot: bits(&|b| b == b'.'),
        odd: bits(&|b| !(0x20..0x7F).contains(&b) || special.contains(&b)),
    }
}

/// Assembles per-piece masks of `W` bytes each (`pieces[c][k]`: class `c`, bytes `W * k ..`)
/// into [`Classes`]. The pieces sit in arrays rather than being shifted into place one by one, so
/// every shift below is by a constant.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn assemble<const N: usize>(pieces: [[u32; N]; 4], width: u32) -> Classes {
    let join = |p: [u32; N]| p.iter().enumerate().fold(0u128, |m, (k, &x)| m | u128::from(x) << (k as u32 * width));
    let [sep, digit, dot, odd] = pieces.map(join);
    Classes { sep, digit, dot, odd }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
    };

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

    /// [`super::body_block`], sixteen bytes at a time.
    #[inline]
    pub(super) fn body_block(block: &[u8; 64], term: u8, release: u8) -> super::BodyBlock {
        // SAFETY: as in `structural`: SSE2 only; each load reads sixteen of the 64 bytes of `block`.
        unsafe {
            let (t, r, cr) = (_mm_set1_epi8(term as i8), _mm_set1_epi8(release as i8), _mm_set1_epi8(0x0D));
            let (i, u, g, s, space) =
                (_mm_set1_epi8(b'I' as i8), _mm_set1_epi8(b'U' as i8), _mm_set1_epi8(b'G' as i8), _mm_set1_epi8(b'S' as i8), _mm_set1_epi8(b' ' as i8));
            let m = |v: __m128i| u64::from(_mm_movemask_epi8(v) as u32 & 0xFFFF);
            let (mut term, mut stop, mut suspect) = (0, 0, 0);
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
                let low = _mm_cmpeq_epi8(_mm_min_epu8(v, cr), v);
                let odd = _mm_or_si128(
                    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, i), _mm_cmpeq_epi8(v, u)), _mm_or_si128(_mm_cmpeq_epi8(v, g), _mm_cmpeq_epi8(v, s))),
                    _mm_cmpeq_epi8(v, space),
                );
                term |= m(_mm_cmpeq_epi8(v, t)) << (16 * k);
                stop |= m(_mm_or_si128(low, _mm_cmpeq_epi8(v, r))) << (16 * k);
                suspect |= m(odd) << (16 * k);
            }
            super::BodyBlock { term, stop, suspect }
        }
    }

    /// [`super::scalar_body_run`] on [`body_block`]'s masks.
    #[inline]
    pub(super) fn body_run(window: &[u8; 65], term: u8, release: u8) -> (u64, bool) {
        let Some((before, block)) = window.split_first_chunk::<1>() else { return (0, true) };
        let Ok(block) = <&[u8; 64]>::try_from(block) else { return (0, true) };
        let masks = body_block(block, term, release);
        let starts = masks.term << 1 | u64::from(before[0] == term);
        (masks.term, masks.stop != 0 || masks.suspect & starts != 0)
    }

    /// [`super::classify`]: four masks per sixteen bytes, the tail read as in [`pieces`].
    #[inline]
    pub(super) fn classify(bytes: &[u8], sep: u8, special: [u8; 3]) -> super::Classes {
        // SAFETY: as in `structural`: SSE2 only; the loads read sixteen bytes inside `bytes` (or
        // inside the zeroed copy of a short `bytes`).
        unsafe {
            let s = _mm_set1_epi8(sep as i8);
            let (x, y, z) = (_mm_set1_epi8(special[0] as i8), _mm_set1_epi8(special[1] as i8), _mm_set1_epi8(special[2] as i8));
            let (zero, nine, space, del, dot) =
                (_mm_set1_epi8(b'0' as i8), _mm_set1_epi8(9), _mm_set1_epi8(0x20), _mm_set1_epi8(0x7F), _mm_set1_epi8(b'.' as i8));
            let m = |v: __m128i| _mm_movemask_epi8(v) as u32 & 0xFFFF;
            let piece = |v: __m128i| {
                let d = _mm_sub_epi8(v, zero);
                // Signed `v < 0x20` is a byte below 0x20 or at 0x80 and above.
                let odd = _mm_or_si128(
                    _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)),
                    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, x), _mm_cmpeq_epi8(v, y)), _mm_cmpeq_epi8(v, z)),
                );
                [m(_mm_cmpeq_epi8(v, s)), m(_mm_cmpeq_epi8(_mm_min_epu8(d, nine), d)), m(_mm_cmpeq_epi8(v, dot)), m(odd)]
            };
            let len = bytes.len();
            let mut out = [[0u32; 8]; 4];
            let full = len / 16;
            for k in 0..full {
                let v = _mm_loadu_si128(bytes.as_ptr().add(16 * k).cast::<__m128i>());
                for (o, b) in out.iter_mut().zip(piece(v)) {
                    o[k] = b;
                }
            }
            let rest = len % 16;
            if rest > 0 {
                let (v, shift, keep) = if len >= 16 {
                    (_mm_loadu_si128(bytes.as_ptr().add(len - 16).cast::<__m128i>()), 16 - rest, u32::MAX)
                } else {
                    let mut copy = [0u8; 16];
                    copy[..len].copy_from_slice(bytes);
                    // The zero padding counts as odd: keep the bits of real bytes only.
                    (_mm_loadu_si128(copy.as_ptr().cast::<__m128i>()), 0, (1u32 << len) - 1)
                };
                for (o, b) in out.iter_mut().zip(piece(v)) {
                    o[full] = b >> shift & keep;
                }
            }
            super::assemble(out, 16)
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_loadu_si128, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set_epi32, _mm256_set_epi64x, _mm256_set_m128i, _mm256_set1_epi8, _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_srli_epi16,
        _mm256_sub_epi8, _mm256_testz_si256,
    };

    /// [`super::structural`] of a whole block, two 32-byte loads instead of four 16-byte ones.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn structural(block: &[u8; 64], term: u8) -> u64 {
        let t = _mm256_set1_epi8(term as i8);
        let cr = _mm256_set1_epi8(0x0D);
        let piece = |v: __m256i| {
            // Unsigned `min(v, 0x0D) == v` is `v <= 0x0D`.
            let low = _mm256_cmpeq_epi8(_mm256_min_epu8(v, cr), v);
            u64::from(_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, t), low)) as u32)
        };
        let p = block.as_ptr();
        // SAFETY: each load reads 32 bytes of the 64 of `block`; unaligned loads are allowed.
        let (a, b) = unsafe { (_mm256_loadu_si256(p.cast::<__m256i>()), _mm256_loadu_si256(p.add(32).cast::<__m256i>())) };
        piece(a) | piece(b) << 32
    }

    /// [`super::scan_blocks`] compiled for AVX2, and for the instructions that count bits (every
    /// CPU with AVX2 has them; without, a count of set bits is a dozen instructions). `scan` must
    /// inline its loop for that to matter.
    ///
    /// # Safety
    /// The CPU must have AVX2, POPCNT and LZCNT.
    #[target_feature(enable = "avx2,popcnt,lzcnt")]
    pub(super) unsafe fn scan_blocks<S: super::BlockScan>(term: u8, release: u8, scan: S) -> S::Output {
        // SAFETY: this function only runs on a CPU with AVX2.
        scan.scan(|block| unsafe { body_block(block, term, release) }, Avx2Runs { term, release })
    }

    /// [`super::Runs`] with AVX2; made only where the CPU has it.
    struct Avx2Runs {
        term: u8,
        release: u8,
    }

    impl super::Runs for Avx2Runs {
        #[inline(always)]
        fn one(&self, window: &[u8; 65]) -> (u64, bool) {
            // SAFETY: an `Avx2Runs` is made only in `scan_blocks`, which runs on a CPU with AVX2.
            unsafe { body_run(window, self.term, self.release) }
        }

        #[inline(always)]
        fn two(&self, window: &[u8; 129]) -> (u64, u64, bool) {
            // SAFETY: as in `one`.
            unsafe { body_runs(window, self.term, self.release) }
        }
    }

    /// The suspect bytes `G` (0x47), `I` (0x49), `S` (0x53), `U` (0x55) and the space (0x20) differ
    /// in their low nibbles: indexed by the low nibble, the high nibble a suspect byte has (0xFF,
    /// which no nibble equals, where none has that low nibble). A byte is suspect when its high
    /// nibble is the one this table gives for its low nibble.
    const SUSPECT_HIGH: [i8; 16] = [2, -1, -1, 5, -1, 5, -1, 4, -1, 4, -1, -1, -1, -1, -1, -1];

    /// Suspect bytes of `v` (see [`SUSPECT_HIGH`]): 0xFF where suspect.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn suspect(v: __m256i) -> __m256i {
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = SUSPECT_HIGH;
        let table = _mm256_setr_epi8(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p);
        let nibble = _mm256_set1_epi8(0x0F);
        _mm256_cmpeq_epi8(_mm256_shuffle_epi8(table, _mm256_and_si256(v, nibble)), _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble))
    }

    /// For the 32 bytes at `p + 1` (and the 32 before them, at `p`): the terminator mask, and the
    /// bytes where the skip stops (0xFF), as [`super::scalar_body_run`] defines them.
    ///
    /// # Safety
    /// The CPU must have AVX2; `p .. p + 33` must be readable.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn piece_run(p: *const u8, term: u8, release: u8) -> (u32, __m256i) {
        let (t, r, cr) = (_mm256_set1_epi8(term as i8), _mm256_set1_epi8(release as i8), _mm256_set1_epi8(0x0D));
        // SAFETY: the caller makes `p .. p + 33` readable; unaligned loads are allowed.
        let (v, before) = unsafe { (_mm256_loadu_si256(p.add(1).cast::<__m256i>()), _mm256_loadu_si256(p.cast::<__m256i>())) };
        let stop = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(v, cr), v), _mm256_cmpeq_epi8(v, r));
        let starting = _mm256_and_si256(suspect(v), _mm256_cmpeq_epi8(before, t));
        (_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, t)) as u32, _mm256_or_si256(stop, starting))
    }

    /// [`super::scalar_body_run`], thirty-two bytes at a time: the bytes before each (shifted by
    /// one) tell where segments start, and the whole decision is one test of the vector.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn body_run(window: &[u8; 65], term: u8, release: u8) -> (u64, bool) {
        let p = window.as_ptr();
        // SAFETY: the pieces read bytes 0..33 and 32..65 of the 65 of `window`.
        let (a, b) = unsafe { (piece_run(p, term, release), piece_run(p.add(32), term, release)) };
        let bad = _mm256_or_si256(a.1, b.1);
        (u64::from(a.0) | u64::from(b.0) << 32, _mm256_testz_si256(bad, bad) == 0)
    }

    /// [`body_run`] of two blocks in a row, one test for both.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn body_runs(window: &[u8; 129], term: u8, release: u8) -> (u64, u64, bool) {
        let p = window.as_ptr();
        // SAFETY: the pieces read bytes 0..33, 32..65, 64..97 and 96..129 of the 129 of `window`.
        let (a, b, c, d) = unsafe {
            (piece_run(p, term, release), piece_run(p.add(32), term, release), piece_run(p.add(64), term, release), piece_run(p.add(96), term, release))
        };
        let bad = _mm256_or_si256(_mm256_or_si256(a.1, b.1), _mm256_or_si256(c.1, d.1));
        (u64::from(a.0) | u64::from(b.0) << 32, u64::from(c.0) | u64::from(d.0) << 32, _mm256_testz_si256(bad, bad) == 0)
    }

    /// [`super::body_block`], thirty-two bytes at a time.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn body_block(block: &[u8; 64], term: u8, release: u8) -> super::BodyBlock {
        let (t, r, cr) = (_mm256_set1_epi8(term as i8), _mm256_set1_epi8(release as i8), _mm256_set1_epi8(0x0D));
        let m = |v: __m256i| u64::from(_mm256_movemask_epi8(v) as u32);
        let piece = |v: __m256i| {
            let low = _mm256_cmpeq_epi8(_mm256_min_epu8(v, cr), v);
            (m(_mm256_cmpeq_epi8(v, t)), m(_mm256_or_si256(low, _mm256_cmpeq_epi8(v, r))), m(suspect(v)))
        };
        let p = block.as_ptr();
        // SAFETY: each load reads 32 bytes of the 64 of `block`; unaligned loads are allowed.
        let (a, b) = unsafe { (piece(_mm256_loadu_si256(p.cast::<__m256i>())), piece(_mm256_loadu_si256(p.add(32).cast::<__m256i>()))) };
        super::BodyBlock { term: a.0 | b.0 << 32, stop: a.1 | b.1 << 32, suspect: a.2 | b.2 << 32 }
    }

    /// [`super::classify`] thirty-two bytes at a time: the last piece is read overlapping the one
    /// before (its bits shifted down), and a segment of less than 32 bytes is read as two
    /// overlapping halves of the largest size that fits (16, 8 or 4 bytes), so that nothing is
    /// copied but a segment of less than four bytes.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn classify(bytes: &[u8], sep: u8, special: [u8; 3]) -> super::Classes {
        let s = _mm256_set1_epi8(sep as i8);
        let (x, y, z) = (_mm256_set1_epi8(special[0] as i8), _mm256_set1_epi8(special[1] as i8), _mm256_set1_epi8(special[2] as i8));
        let (zero, nine, space, del, dot) =
            (_mm256_set1_epi8(b'0' as i8), _mm256_set1_epi8(9), _mm256_set1_epi8(0x20), _mm256_set1_epi8(0x7F), _mm256_set1_epi8(b'.' as i8));
        let m = |v: __m256i| _mm256_movemask_epi8(v) as u32;
        let piece = |v: __m256i| {
            let d = _mm256_sub_epi8(v, zero);
            // Signed `0x20 > v` is a byte below 0x20 or at 0x80 and above.
            let odd = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpgt_epi8(space, v), _mm256_cmpeq_epi8(v, del)),
                _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, x), _mm256_cmpeq_epi8(v, y)), _mm256_cmpeq_epi8(v, z)),
            );
            [m(_mm256_cmpeq_epi8(v, s)), m(_mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d)), m(_mm256_cmpeq_epi8(v, dot)), m(odd)]
        };
        let len = bytes.len();
        // SAFETY (every load below): it reads 32 bytes at an offset of at most `len - 32`, or 16
        // at most `len - 16`: inside `bytes`. Unaligned loads are allowed.
        let at = |i: usize| unsafe { _mm256_loadu_si256(bytes.as_ptr().add(i).cast::<__m256i>()) };
        // The piece of bytes `len - 32 ..` with the bits of bytes `from ..` moved to the bottom.
        let last = |from: usize| piece(at(len - 32)).map(|b| b >> (from + 32 - len));
        let classes = |lo: [u64; 4], hi: [u64; 4]| {
            let [sep, digit, dot, odd] = std::array::from_fn(|c| u128::from(lo[c]) | u128::from(hi[c]) << 64);
            super::Classes { sep, digit, dot, odd }
        };
        let join = |a: [u32; 4], b: [u32; 4]| std::array::from_fn(|c| u64::from(a[c]) | u64::from(b[c]) << 32);
        if len > 32 {
            let first = piece(at(0));
            if len <= 64 {
                return classes(join(first, last(32)), [0; 4]);
            }
            let lo = join(first, piece(at(32)));
            if len <= 96 {
                return classes(lo, join(last(64), [0; 4]));
            }
            return classes(lo, join(piece(at(64)), last(96)));
        }
        // Two overlapping halves of `half` bytes, the second ending at `len`: their masks joined.
        let halves = |v: __m256i, half: usize| piece(v).map(|b| u64::from(b & ((1 << half) - 1) | (b >> half & ((1 << half) - 1)) << (len - half)));
        let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
        let quad = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap_or_default());
        let lo = match len {
            32 => piece(at(0)).map(u64::from),
            16..32 => {
                // SAFETY: `16 <= len`: both loads read bytes inside `bytes`.
                let v = unsafe {
                    _mm256_set_m128i(_mm_loadu_si128(bytes.as_ptr().add(len - 16).cast::<__m128i>()), _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>()))
                };
                halves(v, 16)
            }
            8..16 => halves(_mm256_set_epi64x(0, 0, word(len - 8) as i64, word(0) as i64), 8),
            4..8 => halves(_mm256_set_epi32(0, 0, 0, 0, 0, 0, quad(len - 4) as i32, quad(0) as i32), 4),
            _ => {
                let mut w = [0u8; 4];
                for (d, b) in w.iter_mut().zip(bytes) {
                    *d = *b;
                }
                // The zero padding counts as odd: only the bits of real bytes are kept.
                piece(_mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, u32::from_le_bytes(w) as i32)).map(|b| u64::from(b & ((1 << len) - 1)))
            }
        };
        classes(lo, [0; 4])
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
            Just(b'A'),
            Just(b'0'),
            Just(b'9'),
            Just(b'.'),
            Just(b','),
            Just(b'-'),
            Just(0x7F),
            Just(0x80),
            Just(b'/'),
            Just(b':'),
            Just(b'S'),
            Just(b'I'),
            Just(b'U'),
            Just(b'G'),
            Just(b' ')
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn structural_masks_agree_with_the_definition(bytes in proptest::collection::vec(byte(), 0..=64), term in byte()) {
            prop_assert_eq!(structural(&bytes, term), scalar_structural(&bytes, term));
        }

        #[test]
        fn class_masks_agree_with_the_definition(bytes in proptest::collection::vec(byte(), 0..=128), sep in byte(), a in byte(), b in byte(), c in byte()) {
            prop_assert_eq!(classify(&bytes, sep, [a, b, c]), scalar_classify(&bytes, sep, [a, b, c]));
            #[cfg(target_arch = "x86_64")]
            prop_assert_eq!(sse2::classify(&bytes, sep, [a, b, c]), scalar_classify(&bytes, sep, [a, b, c]));
        }

        #[test]
        fn separator_masks_agree_with_the_definition(bytes in proptest::collection::vec(byte(), 0..=64), sep in byte(), a in byte(), b in byte(), c in byte()) {
            prop_assert_eq!(separators(&bytes, sep, [a, b, c]), scalar_separators(&bytes, sep, [a, b, c]));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn body_block_masks_agree_with_the_definition(bytes in proptest::collection::vec(byte(), 64), term in byte(), release in proptest::option::of(byte())) {
            let block: [u8; 64] = bytes.try_into().unwrap();
            let want = scalar_body_block(&block, term, release.unwrap_or(0));
            prop_assert_eq!(body_block(&block, term, release), want);
            #[cfg(target_arch = "x86_64")]
            prop_assert_eq!(sse2::body_block(&block, term, release.unwrap_or(0)), want);
        }

        /// (Elsewhere the scalar definition is the only path.)
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn body_run_agrees_with_the_definition(bytes in proptest::collection::vec(byte(), 65), term in byte(), release in byte()) {
            let window: [u8; 65] = bytes.try_into().unwrap();
            let want = scalar_body_run(&window, term, release);
            prop_assert_eq!(sse2::body_run(&window, term, release), want);
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (just checked).
                prop_assert_eq!(unsafe { avx2::body_run(&window, term, release) }, want);
            }
        }

        #[test]
        fn two_runs_agree_with_one_each(bytes in proptest::collection::vec(byte(), 129), term in byte(), release in byte()) {
            let window: [u8; 129] = bytes.try_into().unwrap();
            let each = Each(|w: &[u8; 65]| scalar_body_run(w, term, release));
            let (first, second) = (each.one(window.first_chunk::<65>().unwrap()), each.one(window.last_chunk::<65>().unwrap()));
            let want = (first.0, second.0, first.1 || second.1);
            prop_assert_eq!(each.two(&window), want);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (just checked).
                prop_assert_eq!(unsafe { avx2::body_runs(&window, term, release) }, want);
            }
        }
    }

    /// Whole blocks through every path (AVX2 when the CPU has it, SSE2 on a shorter slice).
    #[test]
    fn whole_blocks_agree_with_the_definition() {
        let mut block = [b'A'; 64];
        for at in 0..64 {
            for b in [b'~', b'\r', 0, 0x0D, 0x0E, 0x80, 0xFF] {
                block[at] = b;
                assert_eq!(structural(&block, b'~'), scalar_structural(&block, b'~'), "{at} {b}");
                block[at] = b'A';
            }
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
            let mut long = vec![b'7'; len * 2];
            if let Some(b) = long.last_mut() {
                *b = 0;
            }
            assert_eq!(classify(&long, b'*', [b'>'; 3]), scalar_classify(&long, b'*', [b'>'; 3]), "len {}", len * 2);
            // Zero padding of short inputs never shows up as a match.
            assert_eq!(structural(&vec![b'A'; len], 0), 0);
            assert_eq!(separators(&vec![b'A'; len], 0, [0; 3]), (0, false));
        }
    }
}
