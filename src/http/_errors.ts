// The one error type of the HTTP layer; the app's error handler maps it to a status and a reason.

/** A request the client got wrong (4xx with a reason), or a known server-side refusal. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}
