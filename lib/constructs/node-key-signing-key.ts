/**
 * The KMS key that signs node transport-key records (ECDSA P-256). Only the admin function may
 * sign; readers may fetch the public key, which clients pin through the key directory.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

class NodeKeySigningKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { protectData: boolean }) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Signs B3IQ node transport-key records',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  grantSign(grantee: IGrantable): void {
    this.key.grant(grantee, 'kms:Sign', 'kms:GetPublicKey');
  }

  grantPublicKey(grantee: IGrantable): void {
    this.key.grant(grantee, 'kms:GetPublicKey');
  }
}

export { NodeKeySigningKey };
