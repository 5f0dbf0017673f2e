// Stands in for the socket.io client: records what the page emits and lets the
// test play the server (window.fakeServer.emit(event, data)).
(() => {
  const handlers = {};
  const sent = [];
  const socket = {
    connected: false,
    active: true,
    auth: null,
    on(event, handler) {
      (handlers[event] = handlers[event] || []).push(handler);
      return socket;
    },
    emit(event, data) {
      sent.push({ event, data });
      if (event === "session_request") {
        setTimeout(() => window.fakeServer.emit("session_confirm", data.session_id), 0);
      }
      return socket;
    },
    connect() {
      return socket;
    },
  };
  window.fakeServer = {
    sent,
    options: null,
    emit(event, data) {
      for (const handler of handlers[event] || []) {
        handler(data);
      }
    },
  };
  window.io = (url, options) => {
    window.fakeServer.url = url;
    window.fakeServer.options = options;
    socket.auth = options.auth;
    setTimeout(() => {
      socket.connected = true;
      window.fakeServer.emit("connect");
    }, 0);
    return socket;
  };
})();
