//! In-process speed of the registry: lookup by port and by name (target < 1 µs each)
//! and search over the whole registry (target < 100 µs). Run: cargo bench -p portdex-registry
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use portdex_registry::{lookup, name_answer, port_report, search, Query};

fn benches(c: &mut Criterion) {
    c.bench_function("port_report(443)", |b| {
        b.iter(|| port_report(black_box(443)))
    });
    c.bench_function("port_report(50000) unassigned", |b| {
        b.iter(|| port_report(black_box(50000)))
    });
    c.bench_function("assignments_named(\"postgresql\")", |b| {
        b.iter(|| portdex_registry::assignments_named(black_box("postgresql")).count())
    });
    c.bench_function("knowledge_named(\"elasticsearch\")", |b| {
        b.iter(|| portdex_registry::knowledge_named(black_box("elasticsearch")).count())
    });
    c.bench_function("name_answer(\"postgresql\")", |b| {
        b.iter(|| name_answer(black_box("postgresql")))
    });
    c.bench_function("name_answer(\"elasticsearch\") curated", |b| {
        b.iter(|| name_answer(black_box("elasticsearch")))
    });
    let q: Query = "8000-8100".parse().unwrap();
    c.bench_function("lookup(8000-8100)", |b| {
        b.iter(|| lookup(black_box(&q), None))
    });
    c.bench_function("search(\"mysql\")", |b| {
        b.iter(|| search(black_box("mysql"), 25))
    });
    c.bench_function("search(\"mail\")", |b| {
        b.iter(|| search(black_box("mail"), 25))
    });
    c.bench_function("search(\"remote desktop\")", |b| {
        b.iter(|| search(black_box("remote desktop"), 25))
    });
}

criterion_group!(registry, benches);
criterion_main!(registry);
