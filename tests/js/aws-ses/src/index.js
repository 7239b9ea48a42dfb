import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';

// The credentials are the app's own (on Forge, config variables); these are
// AWS's documentation example, for a stand-in endpoint.
export const send = async ({ endpoint }) => {
  const client = new SESClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    maxAttempts: 1,
  });
  const sent = await client.send(
    new SendEmailCommand({
      Source: 'kiln@example.com',
      Destination: { ToAddresses: ['team@example.com'] },
      Message: { Subject: { Data: 'Kiln' }, Body: { Text: { Data: 'sent from a Kiln app' } } },
    }),
  );
  return { messageId: sent.MessageId, status: sent.$metadata.httpStatusCode };
};
