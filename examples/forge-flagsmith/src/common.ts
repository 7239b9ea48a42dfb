import { RequestInit } from "@forge/api";

// TODO later: these could be set from environment variables for self-hosted users
export const FLAGSMITH_API_V1 = "https://api.flagsmith.com/api/v1";
export const FLAGSMITH_APP = "https://app.flagsmith.com";

export type ApiArgs = Partial<{
  method: RequestInit["method"];
  headers: RequestInit["headers"];
  body: RequestInit["body"];
  codes: number[];
  jsonResponse: boolean;
}>;

export class ApiError extends Error {
  code: number;
  constructor(message: string, code: number) {
    super(message);
    this.name = "ApiError";
    this.code = code || 502;
  }
}

export type ErrorPayload = { error: Error };
