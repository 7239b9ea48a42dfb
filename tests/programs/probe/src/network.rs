//! What the guest can reach over the network (the host should allow nothing).

use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};

use serde::Deserialize;
use serde_json::{Value, json};

/// Where to connect; the host test listens there to see if anything arrives.
#[derive(Deserialize)]
pub struct Target {
    port: u16,
}

pub fn tcp(target: &Target) -> Value {
    match TcpStream::connect(("127.0.0.1", target.port)) {
        Ok(stream) => json!({
            "connected": true,
            "peer": stream.peer_addr().map(|addr| addr.to_string()).ok(),
        }),
        Err(error) => json!({ "connected": false, "error": error.to_string() }),
    }
}

pub fn udp(target: &Target) -> Value {
    let socket = match UdpSocket::bind("0.0.0.0:0") {
        Ok(socket) => socket,
        Err(error) => return json!({ "bound": false, "sent": false, "error": error.to_string() }),
    };
    match socket.send_to(b"kiln-probe", ("127.0.0.1", target.port)) {
        Ok(sent) => json!({ "bound": true, "sent": true, "bytes": sent }),
        Err(error) => json!({ "bound": true, "sent": false, "error": error.to_string() }),
    }
}

pub fn dns() -> Value {
    let resolve = |host: &str| match (host, 80).to_socket_addrs() {
        Ok(addrs) => json!({
            "resolved": true,
            "addrs": addrs.map(|addr| addr.to_string()).collect::<Vec<_>>(),
        }),
        Err(error) => json!({ "resolved": false, "error": error.to_string() }),
    };
    json!({ "localhost": resolve("localhost"), "example.com": resolve("example.com") })
}

pub fn tcp_listen() -> Value {
    match TcpListener::bind("127.0.0.1:0") {
        Ok(listener) => json!({
            "bound": true,
            "local": listener.local_addr().map(|addr| addr.to_string()).ok(),
        }),
        Err(error) => json!({ "bound": false, "error": error.to_string() }),
    }
}
