//! `concurrency`: 1,000 invocations in flight at once, each parked in a
//! `request-jira` the simulator answers only after [`LATENCY`]; reports the
//! throughput of whole batches and the process's peak resident memory
//! (simulator included, since it runs in this process).
//!
//! `cargo bench -p kiln-runtime --bench concurrency`

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiln_runtime::engine::InstanceAllocation;
use kiln_runtime::{Invocation, LoadedApp};
use kiln_sim::{Faults, SimConfig};

/// Invocations started together.
const IN_FLIGHT: usize = 1000;
/// How long the simulator takes to answer each request.
const LATENCY: Duration = Duration::from_millis(100);

/// Starts [`IN_FLIGHT`] invocations at once and waits for all of them.
async fn batch(app: &Arc<LoadedApp>) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.invoke(Invocation {
                    function_key: None,
                    payload: "{}".into(),
                    account_id: None,
                    ..Default::default()
                })
                .await
            })
        })
        .collect();
    for task in tasks {
        let invoked = task.await.expect("task").expect("invocation starts");
        assert!(invoked.result.is_ok(), "{:?}", invoked.result);
        assert_eq!(invoked.requests, 1);
    }
    started.elapsed()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let config = SimConfig {
        faults: Faults {
            latency: Some(LATENCY),
            ..Faults::default()
        },
        ..SimConfig::default()
    };
    let (sim, client, _) = rt.block_on(support::simulator(config));
    let slots = u32::try_from(IN_FLIGHT).unwrap_or(u32::MAX);
    let runtime = support::runtime(
        client,
        InstanceAllocation::Pooling {
            max_concurrent_instances: slots,
        },
    );
    let app = Arc::new(
        rt.block_on(runtime.load(support::host_call(), support::manifest()))
            .expect("host-call loads"),
    );
    let rss_before = support::peak_rss_mib();
    let first = rt.block_on(batch(&app));

    let mut group = c.benchmark_group("concurrency");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(IN_FLIGHT as u64));
    group.bench_function("1000_in_flight", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += batch(&app).await;
                }
                total
            })
        })
    });
    group.finish();

    let mut batches: Vec<Duration> = (0..5).map(|_| rt.block_on(batch(&app))).collect();
    let median = support::median(&mut batches);
    println!(
        "CONCURRENCY {IN_FLIGHT} in flight, simulator latency {} ms: first batch {:.1} ms, median batch {:.1} ms, {:.0} invocations/s",
        LATENCY.as_millis(),
        first.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        IN_FLIGHT as f64 / median.as_secs_f64()
    );
    match (rss_before, support::peak_rss_mib()) {
        (Some(before), Some(peak)) => {
            println!(
                "PEAK_RSS {peak:.1} MiB (process, simulator included; {before:.1} MiB before the first batch)"
            )
        }
        _ => println!("PEAK_RSS unavailable (no /proc/self/status)"),
    }
    drop(sim);
}

criterion_group!(concurrency, benches);
criterion_main!(concurrency);
