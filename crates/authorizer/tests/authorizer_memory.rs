//! DESIGN.md's memory budget: the built authorizer stays under 64 MiB of resident memory
//! with its verified-token cache full (10,000 distinct valid tokens), so it fits the
//! 128 MB Lambda size with room for the runtime.

use serde_json::json;
use test_support::jwks_server::serve_jwks;
use test_support::lambda_process::LambdaProcess;
use test_support::sample_events::{EventValues, sample_event};
use test_support::token_forge::{TestKey, id_token_claims, jwks_json};

const POOL: &str = "us-east-1_MemoryPool1";
const CLIENT: &str = "memory-client-1";
const IDENTITY_POOL: &str = "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// The verified-token cache's bound on entries.
const TOKENS: usize = 10_000;
const BUDGET_KIB: u64 = 64 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_rss_with_a_full_verified_token_cache_is_under_64_mib() {
    let key = std::sync::Arc::new(TestKey::generate("memory-key"));
    let jwks = serve_jwks(jwks_json(&[&key])).await;
    // Distinct linked id tokens (no GetId), signed on both cores.
    let mut signers = Vec::new();
    for half in 0..2 {
        let key = key.clone();
        signers.push(tokio::task::spawn_blocking(move || {
            (0..TOKENS / 2)
                .map(|n| {
                    let sub = format!("{:08x}-0000-4000-8000-{:012x}", half, n);
                    let mut claims = id_token_claims("us-east-1", POOL, CLIENT, &sub);
                    claims["custom:identity_id"] = json!(format!("us-east-1:{:08x}-0000-4000-8000-{:012x}", half, n));
                    key.sign(&claims)
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut tokens = Vec::with_capacity(TOKENS);
    for signer in signers {
        tokens.extend(signer.await.unwrap());
    }

    let env: Vec<(String, String)> = [
        ("USER_POOL_ID", POOL),
        ("USER_POOL_CLIENT_IDS", CLIENT),
        ("IDENTITY_POOL_ID", IDENTITY_POOL),
        ("JWKS_URL", jwks.url.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("RUST_LOG", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_authorizer"), &env).await.expect("the function starts");
    let template = sample_event("authorizer-rest-token.json", &EventValues::default());
    for (n, token) in tokens.iter().enumerate() {
        let mut event = template.clone();
        event["authorizationToken"] = json!(format!("Bearer {token}"));
        let answer = process.invoke(&event).await.response();
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"), "token {n}: {answer}");
    }
    let peak = process.peak_rss_kib().expect("the process's /proc status");
    eprintln!("authorizer peak RSS after {TOKENS} distinct valid tokens: {peak} KiB ({:.1} MiB)", peak as f64 / 1024.0);
    assert!(peak < BUDGET_KIB, "peak RSS {peak} KiB is over the {BUDGET_KIB} KiB budget");
}
