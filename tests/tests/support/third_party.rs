//! A third-party API on loopback for the egress tests: real sockets, plain
//! HTTP or TLS, one request per connection. It counts connections (a refused
//! case must leave it at zero) and keeps each request's head (what the host
//! sent: `Host`, headers, the request line) and, over TLS, the name the
//! client asked for (SNI).
//!
//! Its TLS certificates come from [`TestAuthority`], made fresh per test:
//! nothing here is trusted by the Mozilla roots Kiln uses by default, which is
//! itself one of the cases.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The whole answer (status line, headers, body) to one request, given its head.
pub type Answer = dyn Fn(&str) -> String + Send + Sync;

/// `200 OK` with `body` and a content type.
pub fn ok(content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The value of the header `name` (any case) in a request `head`, trimmed.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (n, value) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// `302 Found` to `location`.
pub fn redirect(location: &str) -> String {
    format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

pub struct ThirdParty {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
    server_names: Arc<Mutex<Vec<Option<String>>>>,
}

impl ThirdParty {
    /// Plain HTTP on 127.0.0.1.
    pub async fn http(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> Self {
        Self::start(None, Arc::new(answer)).await
    }

    /// TLS on 127.0.0.1 with `certificate` (see [`TestAuthority`]).
    pub async fn https(
        certificate: &Certificate,
        answer: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        Self::https_at("127.0.0.1:0", certificate, answer)
            .await
            .expect("bind")
    }

    /// TLS on `address` (a loopback address and port): for an app whose URL
    /// names no port, so the server must sit on 443 of an address of its own.
    pub async fn https_at(
        address: &str,
        certificate: &Certificate,
        answer: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![certificate.der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certificate.key.clone())),
            )
            .expect("server certificate");
        let listener = TcpListener::bind(address).await?;
        Ok(Self::serve_on(
            listener,
            Some(TlsAcceptor::from(Arc::new(config))),
            Arc::new(answer),
        ))
    }

    async fn start(tls: Option<TlsAcceptor>, answer: Arc<Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::serve_on(listener, tls, answer)
    }

    fn serve_on(listener: TcpListener, tls: Option<TlsAcceptor>, answer: Arc<Answer>) -> Self {
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let server_names = Arc::new(Mutex::new(Vec::new()));
        let (count, seen, names) = (connections.clone(), heads.clone(), server_names.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (seen, names, answer, tls) =
                    (seen.clone(), names.clone(), answer.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => serve(socket, &seen, &*answer).await,
                        Some(acceptor) => {
                            // A failed handshake (the client refused the
                            // certificate) ends here: no request is read.
                            let Ok(stream) = acceptor.accept(socket).await else {
                                return;
                            };
                            let name = stream.get_ref().1.server_name().map(str::to_owned);
                            names.lock().expect("names").push(name);
                            serve(stream, &seen, &*answer).await;
                        }
                    }
                });
            }
        });
        Self {
            port,
            connections,
            heads,
            server_names,
        }
    }

    /// TCP connections accepted (including ones whose TLS handshake failed).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The head of every request read, in order.
    pub fn requests(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }

    /// The `Host` header of every request read.
    pub fn hosts(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|head| header(head, "host").unwrap_or_default())
            .collect()
    }

    /// The server name (SNI) of every completed TLS handshake.
    pub fn server_names(&self) -> Vec<Option<String>> {
        self.server_names.lock().expect("names").clone()
    }

    pub fn reset(&self) {
        self.connections.store(0, Ordering::SeqCst);
        self.heads.lock().expect("heads").clear();
        self.server_names.lock().expect("names").clear();
    }
}

/// Reads one request head, records it, writes the answer and closes.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    seen: &Mutex<Vec<String>>,
    answer: &Answer,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    seen.lock().expect("heads").push(text.clone());
    let _ = stream.write_all(answer(&text).as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A certificate and its PKCS#8 private key, both DER.
pub struct Certificate {
    pub der: CertificateDer<'static>,
    key: Vec<u8>,
}

/// A certificate authority made for one test: it signs server certificates
/// for any names, and a client that should trust them gets [`Self::roots`].
pub struct TestAuthority {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    der: CertificateDer<'static>,
}

impl TestAuthority {
    pub fn new() -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Kiln test authority");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let key = rcgen::KeyPair::generate().expect("CA key");
        let certificate = params.self_signed(&key).expect("CA certificate");
        Self {
            der: certificate.der().clone(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A server certificate for `names`, signed by this authority.
    pub fn certificate(&self, names: &[&str]) -> Certificate {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = rcgen::CertificateParams::new(names).expect("server params");
        let key = rcgen::KeyPair::generate().expect("server key");
        let certificate = params.signed_by(&key, &self.issuer).expect("signed");
        Certificate {
            der: certificate.der().clone(),
            key: key.serialize_der(),
        }
    }

    /// A root store holding only this authority.
    pub fn roots(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).expect("CA is a valid root");
        roots
    }
}
