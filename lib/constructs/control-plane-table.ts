/** The single DynamoDB table: accounts, jobs, ledger, credits and nodes (layout in lambdas/adapters/dynamodb/items.ts). */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

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
      // Node request nonces expire once the replay window has passed.
      timeToLiveAttribute: 'expires_at',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.dataKey,
      deletionProtection: props.protectData,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}

export { ControlPlaneTable };
