//! From a checked destination to a byte stream: TCP to the addresses the
//! host resolved and checked (never a name, so nothing is resolved again
//! between the check and the connection), then TLS with the declared name
//! as SNI and certificate identity.
//!
//! No proxy is ever consulted: nothing here reads the environment.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The TLS settings of every egress connection: the Mozilla root store
/// (webpki-roots, so the host's own trust store, which an operator may
/// have extended for an intercepting proxy, plays no part) and rustls' safe
/// defaults (TLS 1.2 and 1.3, no client certificate).
pub fn default_tls() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    tls_with_roots(roots)
}

/// TLS settings trusting exactly `roots` (tests add their own authority).
pub fn tls_with_roots(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
        // The ring provider supports the default versions; failing here is
        // a build defect, and the fallback trusts nothing.
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        });
    Arc::new(config)
}

/// A connected stream, plain or TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Why no stream could be set up.
#[derive(Debug)]
pub enum ConnectError {
    Timeout,
    Refused(std::io::Error),
    /// The server's certificate is not valid for the declared name under the
    /// host's roots (expired, another name, an untrusted authority): the
    /// request was never sent. Told apart from other TLS failures because it
    /// is the one an operator acts on (a site's broken or intercepted TLS).
    Certificate(std::io::Error),
    Tls(std::io::Error),
    BadName,
}

impl ConnectError {
    /// Sorts a failed handshake: tokio-rustls carries rustls' own error
    /// inside the `io::Error` it returns.
    fn from_handshake(error: std::io::Error) -> Self {
        let rustls_error = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        match rustls_error {
            Some(rustls::Error::InvalidCertificate(_)) => Self::Certificate(error),
            _ => Self::Tls(error),
        }
    }
}

/// Connects to the first of `addresses` that answers (each one already
/// checked), within `timeout` for TCP and TLS together.
pub async fn connect(
    addresses: &[SocketAddr],
    tls: Option<(&Arc<rustls::ClientConfig>, &str)>,
    timeout: Duration,
) -> Result<Stream, ConnectError> {
    let attempt = async {
        let mut last = None;
        let mut tcp = None;
        for address in addresses {
            match TcpStream::connect(address).await {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(error) => last = Some(error),
            }
        }
        let tcp = match tcp {
            Some(tcp) => tcp,
            None => {
                return Err(ConnectError::Refused(last.unwrap_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no address")
                })));
            }
        };
        let _ = tcp.set_nodelay(true);
        match tls {
            None => Ok(Stream::Plain(tcp)),
            Some((config, name)) => {
                let name =
                    ServerName::try_from(name.to_owned()).map_err(|_| ConnectError::BadName)?;
                let stream = TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(ConnectError::from_handshake)?;
                Ok(Stream::Tls(Box::new(stream)))
            }
        }
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| ConnectError::Timeout)?
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
