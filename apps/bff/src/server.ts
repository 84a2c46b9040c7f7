import express from 'express';

const app = express();
app.get('/-/health', (_req, res) => {
  res.json({ status: 'ok' });
});
const port = Number(process.env.BFF_PORT ?? 8080);
app.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'bff listening', port }));
});
