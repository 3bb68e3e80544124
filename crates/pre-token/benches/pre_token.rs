//! The trigger's work per invocation, from the event's bytes to the answer's bytes (what
//! the Lambda runtime hands over and sends back): it runs on every sign-in and refresh.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const LINKED: &str = include_str!("../../../events/pre-token-generation-v2.json");

fn trigger(c: &mut Criterion) {
    let unlinked = LINKED.replace("\"custom:identity_id\"", "\"custom:other\"");
    for (name, event) in [("linked", LINKED), ("not_linked", unlinked.as_str())] {
        c.bench_function(&format!("pre_token/{name}"), |b| {
            b.iter(|| {
                let mut payload: serde_json::Value = serde_json::from_str(black_box(event)).unwrap_or_default();
                let outcome = pre_token::answer(&mut payload);
                (outcome, serde_json::to_vec(&payload).unwrap_or_default())
            })
        });
    }
}

criterion_group!(benches, trigger);
criterion_main!(benches);
