// The page's only server: imagegate's GraphQL endpoint. Credentials live in sessionStorage
// (this tab only) and travel as the Authorization header of every POST; an admin's chosen
// account travels as x-anchore-account.

const KEY = "imagegate.session";
const ENDPOINT = new URL("../graphql", document.baseURI).href;

export class ApiError extends Error {
  constructor(message, { status = 0, code = "" } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export function credentials({ method, username, password, apiKey, account }) {
  const who = method === "key"
    ? { authorization: `Bearer ${apiKey.trim()}`, user: "API key" }
    : { authorization: `Basic ${base64(`${username}:${password}`)}`, user: username };
  return { ...who, account: (account || "").trim() };
}

export function keep(value) {
  sessionStorage.setItem(KEY, JSON.stringify(value));
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

/** POST one GraphQL operation; resolves to `data`, rejects with an ApiError. With `partial`,
 * data that came with field errors resolves too, the errors in `data.errors`. */
export async function gql(query, variables = {}, auth = session(), { partial = false } = {}) {
  if (!auth) throw new ApiError("not signed in", { status: 401 });
  const headers = { "content-type": "application/json", authorization: auth.authorization };
  if (auth.account) headers["x-anchore-account"] = auth.account;
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST", headers, credentials: "omit", cache: "no-store",
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(`the server could not be reached (${err.message})`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`unexpected answer from the server (HTTP ${response.status})`,
      { status: response.status });
  }
  const first = body && body.errors && body.errors[0];
  if (first && partial && response.ok && body.data) {
    return { ...body.data, errors: body.errors };
  }
  if (first) {
    throw new ApiError(first.message, {
      status: response.status, code: (first.extensions && first.extensions.code) || "",
    });
  }
  if (!response.ok) throw new ApiError(`HTTP ${response.status}`, { status: response.status });
  return body.data;
}
