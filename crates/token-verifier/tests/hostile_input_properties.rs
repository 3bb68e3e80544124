//! Properties over hostile input: whatever bytes arrive, the verifier answers with an
//! error (never a panic), and no mutation of a valid token verifies. The verifier under
//! test is the most permissive one: `TOKEN_USE=any` over two pools, so a mutation that
//! turns an id token into an access token, or moves it to the other pool, must still fail.

use std::sync::Arc;

use proptest::prelude::*;
use test_support::static_jwks::StaticJwks;
use test_support::token_forge::{TestKey, b64, id_token_claims, jwks_json};
use token_verifier::{AcceptedTokens, CognitoJwtVerifier, VerifierConfig};

const POOL: &str = "us-east-1_PropPool";
const CLIENT: &str = "prop-client";

struct Fixture {
    verifier: CognitoJwtVerifier,
    token: String,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = TestKey::generate("prop-key");
        let mut config = VerifierConfig::for_pools(&[POOL, "eu-west-1_OtherPool"], vec![CLIENT.into()]).unwrap();
        config.token_use = AcceptedTokens::Any;
        let verifier = CognitoJwtVerifier::with_fetcher(config, Arc::new(StaticJwks::new(jwks_json(&[&key]))));
        let token = key.sign(&id_token_claims("us-east-1", POOL, CLIENT, "9a8b7c6d-0000-4000-8000-000000000000"));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(verifier.verify(&token)).expect("the unmutated token verifies");
        Fixture { verifier, token, runtime }
    })
}

fn verify(token: &str) -> bool {
    let f = fixture();
    f.runtime.block_on(f.verifier.verify(token)).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_verify(input in ".{0,600}") {
        prop_assert!(!verify(&input));
    }

    #[test]
    fn arbitrary_three_part_tokens_never_verify(h in "[A-Za-z0-9_-]{0,80}", p in "[A-Za-z0-9_-]{0,400}", s in "[A-Za-z0-9_-]{0,400}") {
        let token = format!("{h}.{p}.{s}");
        prop_assert!(!verify(&token));
    }

    #[test]
    fn json_headers_and_payloads_without_a_valid_signature_never_verify(
        header in prop::collection::btree_map("[a-z]{1,5}", "[ -~]{0,20}", 0..5),
        payload in prop::collection::btree_map("[a-z:_]{1,12}", "[ -~]{0,40}", 0..10),
    ) {
        let mut header: serde_json::Map<String, serde_json::Value> = header.into_iter().map(|(k, v)| (k, v.into())).collect();
        header.insert("alg".into(), "RS256".into());
        header.insert("kid".into(), "prop-key".into());
        let payload: serde_json::Map<String, serde_json::Value> = payload.into_iter().map(|(k, v)| (k, v.into())).collect();
        let token = format!("{}.{}.{}", b64(serde_json::Value::Object(header).to_string()), b64(serde_json::Value::Object(payload).to_string()), b64([7u8; 256]));
        prop_assert!(!verify(&token));
    }

    #[test]
    fn no_single_byte_mutation_of_a_valid_token_verifies(position in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let original = fixture().token.as_bytes();
        let i = position.index(original.len());
        prop_assume!(original[i] != byte);
        let mut mutated = original.to_vec();
        mutated[i] = byte;
        if let Ok(text) = std::str::from_utf8(&mutated) {
            prop_assert!(!verify(text), "mutation at {i} verified");
        }
    }

    #[test]
    fn truncations_and_extensions_never_verify(cut in 0usize..2000, tail in "[A-Za-z0-9_.-]{1,8}") {
        let token = &fixture().token;
        let cut = cut % token.len();
        prop_assert!(!verify(&token[..cut]));
        let extended = format!("{token}{tail}");
        prop_assert!(!verify(&extended));
    }
}
