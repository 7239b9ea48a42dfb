//! The guest's stdout and stderr, captured into its [`GuestLog`].
//!
//! WASI's stock in-memory pipe traps the guest when its capacity is reached;
//! a chatty app should lose log lines, not its invocation, so this stream
//! always accepts writes and lets the log's caps decide what is kept.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use super::guest_log::{GuestLog, LogLevel};

/// Largest write permitted at once. WASI lets the guest make the host
/// allocate up to this much for `write-zeroes`, so it stays small.
const WRITE_PERMIT: usize = 64 * 1024;

/// A stdout or stderr feeding the invocation's log.
#[derive(Clone)]
pub struct LogOutput {
    log: GuestLog,
    level: LogLevel,
}

impl LogOutput {
    pub fn new(log: GuestLog, level: LogLevel) -> Self {
        Self { log, level }
    }
}

impl IsTerminal for LogOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for LogOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for LogOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.log.write_stdio(self.level, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT)
    }
}

impl AsyncWrite for LogOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = buf.len().min(WRITE_PERMIT);
        self.log.write_stdio(self.level, &buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
