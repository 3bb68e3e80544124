//! Splitting a compact JWS and reading its header, before any key is touched.
//!
//! Everything here is pure: bytes in, parts or a [`VerifyError`] out.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use base64_simd::{AsOut, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::VerifyError;

/// RSA-2048 signatures are 256 bytes; RSA-8192, 1024. Anything outside cannot verify.
const SIGNATURE_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

/// The three parts of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactParts<'a> {
    /// `header.payload`: the bytes the signature covers.
    pub signing_input: &'a str,
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
}

/// Splits `token` into its three non-empty parts after checking its size.
///
/// The size bound comes first so that a hostile multi-megabyte header costs nothing.
pub(crate) fn split_token(token: &str, max_len: usize) -> Result<CompactParts<'_>, VerifyError> {
    if token.len() > max_len {
        return Err(VerifyError::TooLarge { limit: max_len });
    }
    let (header, rest) = token.split_once('.').ok_or(VerifyError::Malformed("expected three dot-separated parts"))?;
    let (payload, signature) =
        rest.split_once('.').ok_or(VerifyError::Malformed("expected three dot-separated parts"))?;
    if signature.contains('.') {
        return Err(VerifyError::Malformed("expected three dot-separated parts"));
    }
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(VerifyError::Malformed("empty token part"));
    }
    Ok(CompactParts { signing_input: &token[..header.len() + 1 + payload.len()], header, payload, signature })
}

/// Decodes one base64url part (no padding, canonical), as RFC 7515 requires.
///
/// `base64-simd` is the decoder the AWS SDK already links (`aws-smithy-types`), so the
/// verifier adds no code for it; it decodes with SIMD where the CPU has it, and is as
/// strict as RFC 7515 asks (alphabet, no padding, no stray trailing bits: see the tests).
pub(crate) fn decode_part(part: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD.decode_to_vec(part).map_err(|_| VerifyError::Malformed("part is not base64url"))
}

/// Decodes one part as [`decode_part`] does, into `buffer` when it fits there (a stack
/// buffer: no allocation for the header and claims of every token verified, and no
/// zeroing of it either, as the decoder writes every byte it returns), else into a new
/// vector.
pub(crate) fn decode_part_in<'b>(part: &str, buffer: &'b mut [MaybeUninit<u8>]) -> Result<Cow<'b, [u8]>, VerifyError> {
    let malformed = |_| VerifyError::Malformed("part is not base64url");
    let len = URL_SAFE_NO_PAD.decoded_length(part.as_bytes()).map_err(malformed)?;
    match buffer.get_mut(..len) {
        Some(out) => {
            let decoded = URL_SAFE_NO_PAD.decode(part.as_bytes(), out.as_out()).map_err(malformed)?;
            Ok(Cow::Borrowed(&*decoded))
        }
        None => decode_part(part).map(Cow::Owned),
    }
}

/// A decoded RS256 signature, held inline: no allocation per token.
pub(crate) struct SignatureBytes {
    bytes: [u8; *SIGNATURE_BYTES.end()],
    len: usize,
}

impl SignatureBytes {
    /// The signature's bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Decodes the signature part; one of a length no RSA-2048..8192 key produces is
/// [`VerifyError::BadSignature`] before any decoding.
pub(crate) fn decode_signature(part: &str) -> Result<SignatureBytes, VerifyError> {
    let malformed = |_| VerifyError::Malformed("part is not base64url");
    let len = URL_SAFE_NO_PAD.decoded_length(part.as_bytes()).map_err(malformed)?;
    if !SIGNATURE_BYTES.contains(&len) {
        return Err(VerifyError::BadSignature);
    }
    let mut signature = SignatureBytes { bytes: [0; *SIGNATURE_BYTES.end()], len };
    URL_SAFE_NO_PAD.decode(part.as_bytes(), signature.bytes[..len].as_out()).map_err(malformed)?;
    Ok(signature)
}

/// The header fields the verifier reads, borrowed from the decoded header where they
/// have no escapes. `jku`, `jwk`, `x5u` and `x5c` are deliberately absent: keys come
/// only from the pool's own JWKS.
#[derive(Debug, Deserialize)]
struct RawHeader<'h> {
    #[serde(borrow)]
    alg: Option<Cow<'h, str>>,
    #[serde(borrow)]
    kid: Option<Cow<'h, str>>,
    crit: Option<IgnoredAny>,
}

/// The checked header: RS256, with a key id.
/// The decoded header's room on the stack: a Cognito header (`kid` and `alg`) takes
/// about 60 bytes; a larger one is decoded on the heap.
const HEADER_BUFFER_BYTES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedHeader {
    pub kid: String,
}

/// Decodes the header and applies the header rules: `alg` must be `RS256`
/// (which must also be the JWK's algorithm), `kid` is required, `crit` is refused.
pub(crate) fn check_header(encoded: &str) -> Result<CheckedHeader, VerifyError> {
    let mut buffer = [MaybeUninit::uninit(); HEADER_BUFFER_BYTES];
    let bytes = decode_part_in(encoded, &mut buffer)?;
    let raw: RawHeader =
        serde_json::from_slice(&bytes).map_err(|_| VerifyError::Malformed("header is not a JSON object"))?;
    match raw.alg.as_deref() {
        Some("RS256") => {}
        Some(other) => return Err(VerifyError::UnsupportedAlgorithm(truncate(other))),
        None => return Err(VerifyError::UnsupportedAlgorithm(String::new())),
    }
    if raw.crit.is_some() {
        return Err(VerifyError::CriticalHeader);
    }
    match raw.kid {
        Some(kid) if !kid.is_empty() => Ok(CheckedHeader { kid: kid.into_owned() }),
        _ => Err(VerifyError::MissingKeyId),
    }
}

/// Keeps attacker-chosen strings short before they reach an error or a log line.
pub(crate) fn truncate(value: &str) -> String {
    value.chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(json: &str) -> String {
        URL_SAFE_NO_PAD.encode_to_string(json)
    }

    #[test]
    fn splits_three_parts_and_keeps_signing_input() {
        let parts = split_token("aaa.bbb.ccc", 100).unwrap();
        assert_eq!(parts.signing_input, "aaa.bbb");
        assert_eq!(parts.signature, "ccc");
    }

    #[test]
    fn rejects_wrong_part_counts_and_empty_parts() {
        for token in ["", "a", "a.b", "a.b.c.d", "a..c", ".b.c", "a.b."] {
            assert!(matches!(split_token(token, 100), Err(VerifyError::Malformed(_))), "{token}");
        }
    }

    #[test]
    fn size_bound_is_checked_first() {
        let token = "a".repeat(101);
        assert_eq!(split_token(&token, 100).unwrap_err(), VerifyError::TooLarge { limit: 100 });
    }

    #[test]
    fn base64_must_be_unpadded_url_safe() {
        assert!(decode_part("eyJ9").is_ok());
        assert!(decode_part("eyJ9==").is_err());
        assert!(decode_part("e+/9").is_err());
        assert!(decode_part("e J9").is_err());
    }

    #[test]
    fn base64_must_be_canonical() {
        // "QQ" is the one encoding of 0x41; "QR" sets bits that encode nothing.
        assert_eq!(decode_part("QQ").unwrap(), b"A");
        assert!(decode_part("QR").is_err());
        assert!(decode_part("QUI").is_ok() && decode_part("QUJ").is_err());
        assert!(decode_part("Q").is_err(), "one character encodes no byte");
    }

    #[test]
    fn signatures_of_rsa_sizes_only() {
        let encode = |len: usize| URL_SAFE_NO_PAD.encode_to_string(vec![7u8; len]);
        assert_eq!(decode_signature(&encode(256)).unwrap().as_slice(), &[7u8; 256][..]);
        assert_eq!(decode_signature(&encode(1024)).unwrap().as_slice().len(), 1024);
        assert!(matches!(decode_signature(&encode(255)), Err(VerifyError::BadSignature)));
        assert!(matches!(decode_signature(&encode(1025)), Err(VerifyError::BadSignature)));
        let mut bad = encode(256);
        bad.replace_range(10..11, "*");
        assert!(matches!(decode_signature(&bad), Err(VerifyError::Malformed(_))));
    }

    #[test]
    fn header_fields_with_escapes_are_read() {
        let h = header(r#"{"alg":"RS\u0032\u00356","kid":"k\u00e9y"}"#);
        assert_eq!(check_header(&h).unwrap().kid, "k\u{e9}y");
    }

    #[test]
    fn header_must_be_rs256() {
        for alg in ["none", "HS256", "RS384", "PS256", "ES256", "rs256"] {
            let h = header(&format!(r#"{{"alg":"{alg}","kid":"k"}}"#));
            assert!(matches!(check_header(&h), Err(VerifyError::UnsupportedAlgorithm(_))), "{alg}");
        }
        let missing = header(r#"{"kid":"k"}"#);
        assert!(matches!(check_header(&missing), Err(VerifyError::UnsupportedAlgorithm(_))));
    }

    #[test]
    fn header_requires_kid() {
        assert_eq!(check_header(&header(r#"{"alg":"RS256"}"#)), Err(VerifyError::MissingKeyId));
        assert_eq!(check_header(&header(r#"{"alg":"RS256","kid":""}"#)), Err(VerifyError::MissingKeyId));
        assert_eq!(
            check_header(&header(r#"{"alg":"RS256","kid":7}"#)),
            Err(VerifyError::Malformed("header is not a JSON object"))
        );
    }

    #[test]
    fn header_rejects_crit() {
        let h = header(r#"{"alg":"RS256","kid":"k","crit":["b64"],"b64":false}"#);
        assert_eq!(check_header(&h), Err(VerifyError::CriticalHeader));
    }

    #[test]
    fn header_ignores_key_location_hints() {
        let h = header(
            r#"{"alg":"RS256","kid":"k","jku":"https://evil.example/jwks","x5u":"https://evil.example/c","jwk":{"kty":"RSA"}}"#,
        );
        assert_eq!(check_header(&h).unwrap().kid, "k");
    }

    #[test]
    fn header_must_be_json_object() {
        assert!(matches!(check_header(&header("[1]")), Err(VerifyError::Malformed(_))));
        assert!(matches!(check_header(&header("{")), Err(VerifyError::Malformed(_))));
    }
}
