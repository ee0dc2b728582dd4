import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { InventoryStore } from '../../../lambda/portfolio-inventory/store';
import { applyEvent, UPDATE_ATTEMPTS } from '../../../lambda/portfolio-inventory/update';
import { CATALOG, inMemoryTable, packageEvent } from './fixtures';

describe('portfolio inventory update', () => {
  test('GIVEN a new event WHEN applied THEN the record is written once, conditional on there being none', async () => {
    // GIVEN
    const table = inMemoryTable();
    const store = new InventoryStore(table.client, 'inventory');

    // WHEN
    const result = await applyEvent(packageEvent('dev', 'churn', 3, 'Approved', '2026-11-01T00:00:00Z'), {
      catalog: CATALOG,
      store,
    });

    // THEN
    expect(result).toEqual({ action: 'updated', model: 'churn', environment: 'dev', revision: 1 });
    expect(table.mock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'inventory',
      ConditionExpression: 'attribute_not_exists(#p)',
      Item: { model: 'churn', environment: 'dev', approvedVersion: 3, registeredVersion: 3, revision: 1 },
    });
    table.mock.restore();
  });

  test("GIVEN the catalog names a model's owner and lifecycle WHEN an event of it is applied THEN the record carries them", async () => {
    // GIVEN the catalog as the portfolio stack writes it from the config: name, card owner, lifecycle
    const table = inMemoryTable();
    const store = new InventoryStore(table.client, 'inventory');
    const catalog = {
      ...CATALOG,
      models: [{ name: 'churn', owner: 'churn-team@example.com', lifecycle: 'retired' }],
    };

    // WHEN
    await applyEvent(packageEvent('prod', 'churn', 2, 'Approved', '2026-11-01T00:00:00Z'), { catalog, store });

    // THEN
    expect(table.mock.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      model: 'churn',
      environment: 'prod',
      owner: 'churn-team@example.com',
      lifecycle: 'retired',
    });
    table.mock.restore();
  });

  test('GIVEN a duplicate WHEN applied THEN nothing is written', async () => {
    // GIVEN
    const table = inMemoryTable();
    const store = new InventoryStore(table.client, 'inventory');
    const event = packageEvent('dev', 'churn', 3, 'Approved', '2026-11-01T00:00:00Z');
    await applyEvent(event, { catalog: CATALOG, store });

    // WHEN
    const result = await applyEvent(event, { catalog: CATALOG, store });

    // THEN
    expect(result).toEqual({ action: 'unchanged', model: 'churn', environment: 'dev' });
    expect(table.mock.commandCalls(PutCommand)).toHaveLength(1);
    table.mock.restore();
  });

  test('GIVEN another writer gets in between WHEN applied THEN it reads again and writes on the new revision', async () => {
    // GIVEN the first put loses a race
    const table = inMemoryTable();
    const store = new InventoryStore(table.client, 'inventory');
    await applyEvent(packageEvent('dev', 'churn', 1, 'Approved', '2026-11-01T00:00:00Z'), { catalog: CATALOG, store });
    table.mock
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }))
      .callsFake((input) => {
        table.items.set(`${input.Item.model}|${input.Item.environment}`, input.Item);
        return {};
      });
    table.mock.resetHistory();

    // WHEN
    const result = await applyEvent(packageEvent('dev', 'churn', 2, 'PendingManualApproval', '2026-11-02T00:00:00Z'), {
      catalog: CATALOG,
      store,
    });

    // THEN
    expect(result).toEqual({ action: 'updated', model: 'churn', environment: 'dev', revision: 2 });
    expect(table.mock.commandCalls(PutCommand)).toHaveLength(2);
    table.mock.restore();
  });

  test('GIVEN every write loses its race WHEN applied THEN it fails after the last attempt, for Lambda to retry', async () => {
    // GIVEN
    const table = inMemoryTable();
    const store = new InventoryStore(table.client, 'inventory');
    table.mock
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // WHEN / THEN
    await expect(
      applyEvent(packageEvent('dev', 'churn', 1, 'Approved', '2026-11-01T00:00:00Z'), { catalog: CATALOG, store }),
    ).rejects.toThrow('the record of churn in dev changed while it was being updated');
    expect(table.mock.commandCalls(PutCommand)).toHaveLength(UPDATE_ATTEMPTS);
    table.mock.restore();
  });

  test('GIVEN an event of another project WHEN applied THEN it is ignored without touching the table', async () => {
    const table = inMemoryTable();
    const store = new InventoryStore(table.client, 'inventory');
    const event = packageEvent('dev', 'churn', 1, 'Approved', '2026-11-01T00:00:00Z');
    const result = await applyEvent(
      { ...event, detail: { ...(event.detail as object), ModelPackageGroupName: 'other-dev-churn' } },
      { catalog: CATALOG, store },
    );
    expect(result).toMatchObject({ action: 'ignored', reason: 'other-project' });
    expect(table.mock.calls()).toHaveLength(0);
    table.mock.restore();
  });
});
