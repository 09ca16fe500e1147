// What each storage mode needs, checked once at start:
//   - sas (default): links are signed with the account key, so the connection string must carry
//     AccountKey (Entra ID / managed identity would need a user-delegation key: not supported);
//   - public: the container must allow anonymous blob reads — off by default on new accounts.
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { Config } from "../config.js";
import type { Check } from "./check.js";

export async function checkStorage(config: Config): Promise<Check> {
  const name = "storage";
  let service: BlobServiceClient;
  try {
    service = BlobServiceClient.fromConnectionString(config.storageConnectionString);
  } catch (err) {
    return { name, ok: false, verdict: `AZURE_STORAGE_CONNECTION_STRING cannot be parsed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const container = service.getContainerClient(config.AZURE_STORAGE_CONTAINER);
  if (config.STORAGE_URL_MODE === "sas") {
    if (!(service.credential instanceof StorageSharedKeyCredential)) {
      return {
        name,
        ok: false,
        verdict: "STORAGE_URL_MODE=sas signs links with the account key: use a connection string with AccountKey=… (or STORAGE_URL_MODE=public with anonymous blob access)",
      };
    }
  }
  try {
    const exists = await container.exists();
    if (config.STORAGE_URL_MODE === "public" && exists) {
      const policy = await container.getAccessPolicy();
      if (policy.blobPublicAccess !== "blob" && policy.blobPublicAccess !== "container") {
        return {
          name,
          ok: false,
          verdict: `STORAGE_URL_MODE=public, but container "${config.AZURE_STORAGE_CONTAINER}" does not allow anonymous reads (Azure turns that off by default): allow blob access on the account and container, or use STORAGE_URL_MODE=sas`,
        };
      }
    }
    return { name, ok: true, verdict: `${service.accountName}: container "${config.AZURE_STORAGE_CONTAINER}" ${exists ? "exists" : "will be created"}; links are ${config.STORAGE_URL_MODE === "sas" ? `signed (SAS, ${config.STORAGE_SAS_TTL_SECONDS} s)` : "public"}` };
  } catch (err) {
    return { name, ok: false, verdict: `could not reach storage ${service.url}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` };
  }
}
