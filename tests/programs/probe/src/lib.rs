//! Tries each thing a Kiln guest must not be able to do, and reports what it
//! observed as JSON. It never panics: every failure is part of the report, so
//! the host tests can assert on what the sandbox allowed.

mod files;
mod memory_scan;
mod network;
mod residue;
mod responses;

use kiln_sdk::prelude::*;
use serde_json::{Value, json};

/// Environment variables the guest can see (the host should give none).
#[kiln_sdk::handler]
fn env(_payload: Value) -> Result<Value, AppError> {
    let vars: Vec<[String; 2]> = std::env::vars_os()
        .map(|(name, value)| {
            [
                name.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            ]
        })
        .collect();
    Ok(json!({ "vars": vars }))
}

/// Command-line arguments the guest can see.
#[kiln_sdk::handler]
fn args(_payload: Value) -> Result<Value, AppError> {
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    Ok(json!({ "args": args }))
}

/// Reads and lists well-known paths, and lists the preopened directories.
#[kiln_sdk::handler]
fn files(_payload: Value) -> Result<Value, AppError> {
    Ok(files::probe())
}

/// Reads one file and lists its directory. Payload: `{"path": "/proc/self/environ"}`.
#[kiln_sdk::handler]
fn read_file(input: files::Target) -> Result<Value, AppError> {
    Ok(files::read_one(&input))
}

/// Binds a TCP listener on loopback (a guest must not accept connections).
#[kiln_sdk::handler]
fn tcp_listen(_payload: Value) -> Result<Value, AppError> {
    Ok(network::tcp_listen())
}

/// Fetches several allowed endpoints and returns their whole responses, so
/// the host test can look for the credential in statuses, headers and bodies.
#[kiln_sdk::handler]
fn responses(_payload: Value) -> Result<Value, AppError> {
    Ok(responses::fetch_all())
}

/// Connects to `127.0.0.1:<port>` over TCP. Payload: `{"port": 8080}`.
#[kiln_sdk::handler]
fn tcp(input: network::Target) -> Result<Value, AppError> {
    Ok(network::tcp(&input))
}

/// Binds a UDP socket and sends a datagram to `127.0.0.1:<port>`.
#[kiln_sdk::handler]
fn udp(input: network::Target) -> Result<Value, AppError> {
    Ok(network::udp(&input))
}

/// Resolves `localhost` and `example.com`.
#[kiln_sdk::handler]
fn dns(_payload: Value) -> Result<Value, AppError> {
    Ok(network::dns())
}

/// Reads the clocks and random bytes, which a guest is allowed to use.
#[kiln_sdk::handler]
fn clock_random(_payload: Value) -> Result<Value, AppError> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|error| error.to_string());
    let started = std::time::Instant::now();
    let monotonic_ok = started.elapsed() >= std::time::Duration::ZERO;
    let random = wasip2::random::random::get_random_bytes(16);
    let random_again = wasip2::random::random::get_random_bytes(16);
    Ok(json!({
        "unix_seconds": since_epoch.as_ref().ok(),
        "wall_clock_error": since_epoch.as_ref().err(),
        "monotonic_ok": monotonic_ok,
        "random_len": random.len(),
        "random_differs": random != random_again,
    }))
}

/// Prints to stdout and stderr. Payload: `{"lines": 3}` (default 1).
#[kiln_sdk::handler]
fn stdout(input: Option<Value>) -> Result<Value, AppError> {
    let lines = input
        .as_ref()
        .and_then(|input| input.get("lines"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    for line in 0..lines {
        println!("probe stdout line {line}");
        eprintln!("probe stderr line {line}");
    }
    Ok(json!({ "printed": lines }))
}

/// Leaves a secret in a static and on the heap for the next invocation to
/// look for. See [`residue::Input`] for the payload.
#[kiln_sdk::handler]
fn plant(input: residue::Input) -> Result<Value, AppError> {
    residue::plant(&input)
}

/// Reports whether a secret occurs anywhere in linear memory (the canary
/// scan). See [`memory_scan::Input`] for the payload.
#[kiln_sdk::handler]
fn memory_scan(input: memory_scan::Input) -> Result<Value, AppError> {
    memory_scan::scan(&input)
}

/// Returns the payload.
#[kiln_sdk::handler]
fn echo(payload: Value, ctx: &Context) -> Result<Value, AppError> {
    log::info!("echo in {}", ctx.invocation_id);
    Ok(payload)
}

/// Returns the context the host passed.
#[kiln_sdk::handler]
fn context(_payload: Value, ctx: &Context) -> Result<Value, AppError> {
    Ok(json!({
        "invocation_id": ctx.invocation_id,
        "account_id": ctx.account_id,
        "cloud_id": ctx.cloud_id,
        "site_url": ctx.site_url,
        "module_key": ctx.module_key,
    }))
}

kiln_sdk::export_app!(
    env,
    args,
    files,
    read_file,
    tcp_listen,
    responses,
    tcp,
    udp,
    dns,
    clock_random,
    stdout,
    memory_scan,
    plant,
    echo,
    context
);
