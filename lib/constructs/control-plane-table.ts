/**
 * The single DynamoDB table: accounts, credits and customer ledgers; jobs with their envelopes and the
 * command index; nodes and their request nonces; node earnings, node ledgers and receipts (layout and
 * keys in lambdas/adapters/dynamodb/items.ts).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ACTIVE_NODES_INDEX, CUSTOMER_JOBS_INDEX, OPEN_JOBS_INDEX } from '../../lambdas/adapters/dynamodb/items.js';

interface ControlPlaneTableProps {
  dataKey: IKey;
  protectData: boolean;
}

class ControlPlaneTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ControlPlaneTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Node request nonces, envelopes and command ids expire once nothing can need them.
      timeToLiveAttribute: 'expires_at',
      // The outbox: a new job item's key is all the command relay needs.
      stream: StreamViewType.KEYS_ONLY,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.dataKey,
      deletionProtection: props.protectData,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Sparse: only open jobs carry these attributes, so the index lists exactly them, by deadline.
    this.table.addGlobalSecondaryIndex({
      indexName: OPEN_JOBS_INDEX,
      partitionKey: { name: 'open_shard', type: AttributeType.STRING },
      sortKey: { name: 'due_at', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['customer_id', 'job_id', 'node_id', 'status', 'created_at', 'reserved_price_wei'],
    });
    // A customer's jobs, newest first: only job items carry job_order. All attributes, so a page is one query.
    this.table.addGlobalSecondaryIndex({
      indexName: CUSTOMER_JOBS_INDEX,
      partitionKey: { name: 'customer_id', type: AttributeType.STRING },
      sortKey: { name: 'job_order', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // Sparse: only an active node carries active_nodes, so the index lists exactly them, by id.
    this.table.addGlobalSecondaryIndex({
      indexName: ACTIVE_NODES_INDEX,
      partitionKey: { name: 'active_nodes', type: AttributeType.STRING },
      sortKey: { name: 'node_id', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['status', 'models', 'model_ids', 'last_seen_at'],
    });
  }
}

export { ControlPlaneTable };
