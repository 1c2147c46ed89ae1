export {
  createHttpClient,
  type FailureKind,
  type HttpClient,
  HttpClientError,
  type HttpClientOptions,
  type RequestOptions,
} from "./client.ts";
