//! Byte search for the short distances JSON keys and values span.
//!
//! `memchr2` shines on long haystacks but its setup dominates on the 5-to-40-byte strings of a
//! JSON log line. This searches eight bytes at a time in a plain `u64` (SWAR), with no setup.

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Marks bytes equal to `byte` with their high bit. Bytes above the first match may be marked
/// falsely (borrow propagation), so only the lowest mark is meaningful.
#[inline]
fn matches(word: u64, byte: u8) -> u64 {
    let x = word ^ (LOW * u64::from(byte));
    x.wrapping_sub(LOW) & !x & HIGH
}

/// Index of the first `"` or `\` in `bytes` at or after `from`.
#[inline]
pub(super) fn quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        let word = u64::from_le_bytes(word);
        let found = matches(word, b'"') | matches(word, b'\\');
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|b| *b == b'"' || *b == b'\\')
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_quote_or_backslash_like_a_plain_search() {
        let inputs: [&[u8]; 7] = [
            b"",
            b"abc\"",
            b"0123456789\\abc\"",
            b"no stop here at all",
            b"\"first",
            b"\x01\x00\x22\x5c",
            b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\"",
        ];
        for input in inputs {
            for from in 0..=input.len() {
                let want = input[from..]
                    .iter()
                    .position(|b| *b == b'"' || *b == b'\\')
                    .map(|i| from + i);
                assert_eq!(
                    quote_or_backslash(input, from),
                    want,
                    "{input:?} from {from}"
                );
            }
        }
    }
}
