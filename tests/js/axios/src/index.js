// axios as Forge apps use it: a GET whose JSON answer axios parses, and a
// POST of a JSON body whose error response the app reads.
import axios from 'axios';

export const call = async ({ base }) => {
  const got = await axios.get(`${base}/hello`, { headers: { 'X-App': 'axios' } });
  const posted = await axios
    .post(`${base}/refuse`, { a: 1 })
    .then((r) => ({ status: r.status }))
    .catch((error) => ({ status: error.response?.status, message: error.message }));
  return { status: got.status, data: got.data, posted };
};
