//! A hostile "Jira" on loopback that echoes the credential it was sent: the
//! `Authorization` value goes through a test-chosen encoding into the body
//! (split into chunks at chosen places, each written and flushed apart, so
//! the host reads it in pieces) and into allowed response headers.
//!
//! Plain HTTP/1.1 over a `TcpListener`, one request per connection: enough
//! for the host's client, and nothing in it can be mistaken for the
//! simulator's behaviour.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the site answers, built from the `Authorization` value it received.
pub struct Echo {
    /// Extra response headers (names in the host's allowlist reach the guest).
    pub headers: Vec<(String, String)>,
    /// The body, sent as one HTTP chunk per element.
    pub chunks: Vec<Vec<u8>>,
}

type Respond = dyn Fn(&str) -> Echo + Send + Sync;

pub struct EchoSite {
    pub base_url: String,
    received: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl EchoSite {
    pub async fn start(respond: impl Fn(&str) -> Echo + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let respond: Arc<Respond> = Arc::new(respond);
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let server = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let respond = respond.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, &*respond, &log).await;
                });
            }
        });
        Self {
            base_url,
            received,
            server,
        }
    }

    /// How many requests carried an `Authorization` header.
    pub fn requests(&self) -> usize {
        self.received.lock().expect("log").len()
    }
}

impl Drop for EchoSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(
    mut socket: TcpStream,
    respond: &Respond,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let authorization = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("authorization")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    log.lock().expect("log").push(authorization.clone());
    let echo = respond(&authorization);
    let mut out = String::from(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n",
    );
    for (name, value) in &echo.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    socket.write_all(out.as_bytes()).await?;
    socket.flush().await?;
    for chunk in echo.chunks.iter().filter(|c| !c.is_empty()) {
        socket
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await?;
        socket.write_all(chunk).await?;
        socket.write_all(b"\r\n").await?;
        socket.flush().await?;
        // Apart in time, so the host's reads see them apart.
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.flush().await?;
    socket.shutdown().await
}
