//! The loopback listener `runtime login` waits on: the authorization server
//! sends the browser back to `http://127.0.0.1:PORT/callback` with the code.
//! The protocol (authorize URL, `state`, code exchange, the site) is the
//! library's [`kiln_runtime::oauth::Login`]; this file only listens.
//!
//! The listener binds a loopback address only (the code must not reach the
//! network), answers only `GET /callback`, keeps waiting after a redirect
//! whose `state` is not this login's (another page planting its code), and
//! stops as soon as the real answer arrives, the wait times out or the login
//! is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use kiln_runtime::oauth::{
    Callback, CallbackCheck, CallbackQuery, Login, LoginConfig, LoginError, OAuthSession,
};
use secrecy::SecretString;
use tokio::sync::oneshot;
use url::Url;

/// The callback path on the loopback listener.
const CALLBACK_PATH: &str = "/callback";

/// Why waiting for the browser failed (the protocol's own failures are
/// [`LoginError`]s).
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "the callback listener must be on a loopback address, not {0}: the code must not leave this machine"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen for the OAuth callback on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no answer from the browser within {0:?}")]
    TimedOut(Duration),
    #[error("the callback listener stopped before the browser came back")]
    ListenerGone,
    #[error(transparent)]
    Login(#[from] LoginError),
}

/// A login whose listener is up, waiting for the browser.
pub struct PendingLogin {
    login: Login,
    callback: oneshot::Receiver<Callback>,
    listener: StopOnDrop,
}

/// Stops the listener when the login finishes or is dropped: nothing keeps
/// listening for a code after the login is over.
struct StopOnDrop(Option<oneshot::Sender<()>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(stop) = self.0.take() {
            let _ = stop.send(());
        }
    }
}

/// Shared with the listener's handler.
struct ListenerState {
    check: CallbackCheck,
    deliver: Mutex<Option<oneshot::Sender<Callback>>>,
}

impl PendingLogin {
    /// Binds the loopback listener on `listen` (port 0: any free port) and
    /// builds the login for its callback URL.
    pub async fn start(config: LoginConfig, listen: SocketAddr) -> Result<Self, ListenError> {
        if !listen.ip().is_loopback() {
            return Err(ListenError::NotLoopback(listen));
        }
        let bind_error = |source| ListenError::Bind {
            addr: listen,
            source,
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        let redirect_uri = Url::parse(&format!("http://{local}{CALLBACK_PATH}"))
            .map_err(|e| bind_error(std::io::Error::other(e)))?;
        let login = Login::new(config, &redirect_uri)?;

        let (deliver, callback) = oneshot::channel();
        let shared = Arc::new(ListenerState {
            check: login.callback_check(),
            deliver: Mutex::new(Some(deliver)),
        });
        let app = axum::Router::new()
            .route(CALLBACK_PATH, axum::routing::get(receive))
            .with_state(shared);
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!("the OAuth callback listener failed: {error}");
            }
        });
        Ok(Self {
            login,
            callback,
            listener: StopOnDrop(Some(shutdown)),
        })
    }

    /// The URL to open in a browser.
    pub fn authorize_url(&self) -> &Url {
        self.login.authorize_url()
    }

    /// The loopback callback URL (register it with the OAuth app).
    pub fn redirect_uri(&self) -> &str {
        self.login.redirect_uri()
    }

    /// Waits up to `timeout` for the browser, then exchanges the code and
    /// finds the site.
    pub async fn finish(self, timeout: Duration) -> Result<OAuthSession, ListenError> {
        let Self {
            login,
            callback,
            listener,
        } = self;
        let callback = tokio::time::timeout(timeout, callback).await;
        drop(listener);
        let code: SecretString = match callback {
            Err(_) => return Err(ListenError::TimedOut(timeout)),
            Ok(Err(_)) => return Err(ListenError::ListenerGone),
            Ok(Ok(callback)) => callback.into_code()?,
        };
        Ok(login.finish(&code).await?)
    }
}

/// One redirect to the listener. A redirect that is not this login's answer
/// is refused and the login keeps waiting.
async fn receive(
    State(shared): State<Arc<ListenerState>>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let outcome = match shared.check.check(query) {
        Ok(outcome) => outcome,
        Err(refused) => return (StatusCode::BAD_REQUEST, refused.to_string()).into_response(),
    };
    let deliver = shared
        .deliver
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let Some(deliver) = deliver else {
        return (StatusCode::CONFLICT, "this login has already completed").into_response();
    };
    let granted = matches!(outcome, Callback::Code(_));
    let _ = deliver.send(outcome);
    let page = if granted {
        "<!doctype html><title>Kiln</title><p>Kiln is logged in. You can close this tab.</p>"
    } else {
        "<!doctype html><title>Kiln</title><p>The authorization was not granted. You can close this tab.</p>"
    };
    Html(page).into_response()
}

#[cfg(test)]
mod tests {
    use kiln_runtime::oauth::OAuthEndpoints;

    use super::*;

    fn config() -> LoginConfig {
        LoginConfig {
            client_id: "cid".into(),
            client_secret: SecretString::from("cs"),
            endpoints: OAuthEndpoints::on("http://127.0.0.1:9").unwrap(),
            scopes: ["read:jira-work".parse().unwrap()].into_iter().collect(),
            site: None,
        }
    }

    #[tokio::test]
    async fn refuses_to_listen_off_loopback() {
        let off: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(
            PendingLogin::start(config(), off).await,
            Err(ListenError::NotLoopback(_))
        ));
    }

    #[tokio::test]
    async fn a_forged_callback_is_refused_and_the_login_times_out_still_waiting() {
        let pending = PendingLogin::start(config(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        assert!(pending.redirect_uri().starts_with("http://127.0.0.1:"));
        let forged = format!("{}?state=forged&code=planted", pending.redirect_uri());
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let answer = client.get(&forged).send().await.unwrap();
        assert_eq!(answer.status(), reqwest::StatusCode::BAD_REQUEST);
        assert!(matches!(
            pending.finish(Duration::from_millis(50)).await,
            Err(ListenError::TimedOut(_))
        ));
        assert!(
            client.get(&forged).send().await.is_err(),
            "the listener stops with the login"
        );
    }
}
