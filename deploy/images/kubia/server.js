// kubia (Kubernetes in Action's demo app): answers every request on :8080 with the pod's hostname.
// KUBIA_VERSION=v1: "You've hit <hostname>"; v2: "This is v2 running in pod <hostname>".
const http = require('node:http');
const os = require('node:os');
const version = process.env.KUBIA_VERSION || 'v1';
const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  console.log(`Received request from ${req.socket.remoteAddress}`);
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(version === 'v1' ? `You've hit ${os.hostname()}\n` : `This is ${version} running in pod ${os.hostname()}\n`);
});
server.listen(port, () => console.log(`kubia ${version} listening on ${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
