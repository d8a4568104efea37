import pg from 'pg';

/** One connection to the test server (TEST_DATABASE_URL) for creating and dropping databases, closed after `work`. */
export async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
