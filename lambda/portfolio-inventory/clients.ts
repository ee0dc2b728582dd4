import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The SDK clients, created once per execution environment; DynamoDB keeps the SDK's standard retries, 3 attempts. */
export const dynamoDb = new DynamoDBClient({ maxAttempts: 3 });
export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
