//! A TCP listener that can reset connections, for the `reset_connection` fault.
//!
//! A reset has to happen below HTTP: the listener reads the request head (so the
//! request log still shows what reached the site), then closes the socket with
//! `SO_LINGER` 0, which sends a TCP RST instead of an orderly FIN.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::serve::Listener;
use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};

use crate::request_log::RecordedRequest;
use crate::shared::Shared;

/// Most bytes read looking for the end of a request head before resetting anyway.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Most headers parsed from a head; more are simply not recorded.
const MAX_HEADERS: usize = 64;
/// A client that sends nothing is reset after this long rather than holding a task.
const HEAD_READ_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct FaultyListener {
    inner: TcpListener,
    shared: Arc<Shared>,
}

impl FaultyListener {
    pub(crate) fn new(inner: TcpListener, shared: Arc<Shared>) -> Self {
        Self { inner, shared }
    }
}

impl Listener for FaultyListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = Listener::accept(&mut self.inner).await;
            if self.shared.faults().reset_connection {
                tokio::spawn(reset(stream, Arc::clone(&self.shared)));
                continue;
            }
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

async fn reset(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::with_capacity(1024);
    let read = tokio::time::timeout(HEAD_READ_TIMEOUT, async {
        let mut chunk = [0_u8; 1024];
        while buf.len() < MAX_HEAD_BYTES && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    if read.is_ok()
        && let Some(entry) = record_head(&shared, &buf)
    {
        shared.log(entry);
    }
    if let Err(error) = stream.set_zero_linger() {
        tracing::debug!(%error, "kiln-sim: cannot set SO_LINGER for a reset");
    }
    drop(stream);
}

/// The log entry for a request head that is about to be reset (status 0).
fn record_head(shared: &Shared, buf: &[u8]) -> Option<RecordedRequest> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(buf).ok()?;
    let target = request.path?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (target, None),
    };
    let mut map = HeaderMap::new();
    for header in request.headers.iter() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_bytes(header.value),
        ) {
            map.append(name, value);
        }
    }
    let identity = shared.identify(&map);
    Some(RecordedRequest {
        method: request.method?.to_owned(),
        path: path.to_owned(),
        query,
        account_id: identity.account_id().map(str::to_owned),
        auth: identity.kind(),
        status: 0,
        header_names: map.keys().map(|k| k.as_str().to_owned()).collect(),
        not_modelled: false,
    })
}
